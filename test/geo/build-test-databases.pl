#!/usr/bin/perl
# Builds the lab's test geo databases from lab-geo.tsv (and lab-geo-next.tsv) with Debian's
# libmaxmind-db-writer-perl, in the two layouts services/geo reads: GeoIP2/GeoLite2 (nested maps,
# one file for both families) and @ip-location-db (flat records, one file per family). The build
# epoch comes from the source file, so a rebuild of unchanged sources gives identical files.
#
#   perl test/geo/build-test-databases.pl [out-dir]    (default: db/ next to this script)
use strict;
use warnings;
use File::Basename qw(dirname);
use File::Path qw(make_path);
use MaxMind::DB::Writer::Tree;

my $here = dirname(__FILE__);
my $out  = $ARGV[0] // "$here/db";

# Reads a source file: (build epoch, list of [network, facts]).
sub read_source {
    my ($path) = @_;
    open my $fh, '<:encoding(UTF-8)', $path or die "$path: cannot read: $!\n";
    my ( $epoch, @rows );
    while ( my $line = <$fh> ) {
        chomp $line;
        if ( $line =~ /^#\s*build_epoch\t(\d+)\s*$/ ) { $epoch = $1; next }
        next if $line =~ /^\s*(#|$)/;
        my @f = split /\t/, $line, -1;
        die "$path:$.: expected 8 tab-separated fields, found " . scalar(@f) . "\n" unless @f == 8;
        my %facts;
        @facts{qw(country city region latitude longitude asn as_org)} = @f[ 1 .. 7 ];
        die "$path:$.: latitude $facts{latitude} is not within -90..90\n"
          unless $facts{latitude} =~ /^-?[\d.]+$/ && abs( $facts{latitude} ) <= 90;
        die "$path:$.: longitude $facts{longitude} is not within -180..180\n"
          unless $facts{longitude} =~ /^-?[\d.]+$/ && abs( $facts{longitude} ) <= 180;
        die "$path:$.: asn $facts{asn} is not a number\n" unless $facts{asn} =~ /^\d+$/;
        push @rows, [ $f[0], \%facts ];
    }
    die "$path: no '# build_epoch<TAB>N' line\n" unless defined $epoch;
    return ( $epoch, @rows );
}

my %types = (
    # GeoIP2 / GeoLite2 City and ASN (MaxMind's documented record layout).
    country                        => 'map',
    city                           => 'map',
    subdivisions                   => [ 'array', 'map' ],
    location                       => 'map',
    names                          => 'map',
    iso_code                       => 'utf8_string',
    en                             => 'utf8_string',
    accuracy_radius                => 'uint16',
    autonomous_system_number       => 'uint32',
    autonomous_system_organization => 'utf8_string',
);
my %geoip2_types = ( %types, latitude => 'double', longitude => 'double' );
# @ip-location-db: every field at the top level; coordinates are 32-bit floats there.
my %flat_types = (
    ( map { $_ => 'utf8_string' } qw(country_code state1 state2 city postcode timezone) ),
    latitude                       => 'float',
    longitude                      => 'float',
    autonomous_system_number       => 'uint32',
    autonomous_system_organization => 'utf8_string',
);

sub write_db {
    my (%a) = @_;
    my $types = $a{types};
    my $tree  = MaxMind::DB::Writer::Tree->new(
        ip_version            => $a{ip_version},
        # 28 as in MaxMind's City files, 24 elsewhere, 32 once: every record size gets read.
        record_size           => $a{record_size} // 24,
        database_type         => $a{database_type},
        languages             => ['en'],
        description           => { en => "IPv6 Matrix lab test database ($a{database_type})" },
        map_key_type_callback => sub { $types->{ $_[0] } // die "no type for key $_[0]\n" },
        # The lab lives in documentation ranges, which the writer would otherwise leave out.
        remove_reserved_networks => 0,
        # No 6to4/Teredo aliasing: the lab lists those addresses for themselves.
        alias_ipv6_to_ipv4 => 0,
        _build_epoch       => $a{epoch},
    );
    my $count = 0;
    for my $row ( @{ $a{rows} } ) {
        my ( $network, $facts ) = @$row;
        my $v6 = $network =~ /:/;
        next if $a{family} && ( $a{family} == 6 ) != $v6;
        $tree->insert_network( $network, $a{record}->($facts) );
        $count++;
    }
    make_path( dirname( $a{path} ) );
    open my $fh, '>:raw', $a{path} or die "$a{path}: cannot write: $!\n";
    $tree->write_tree($fh);
    close $fh or die "$a{path}: $!\n";
    printf "%-55s %3d networks, epoch %d\n", $a{path}, $count, $a{epoch};
}

my $geoip2_city = sub {
    my ($f) = @_;
    return {
        country      => { iso_code => $f->{country} },
        city         => { names    => { en => $f->{city} } },
        subdivisions => [ { iso_code => $f->{region} } ],
        location     => {
            latitude        => $f->{latitude},
            longitude       => $f->{longitude},
            accuracy_radius => 20,
        },
    };
};
my $asn = sub {
    my ($f) = @_;
    return { autonomous_system_number => $f->{asn}, autonomous_system_organization => $f->{as_org} };
};
my $flat_city = sub {
    my ($f) = @_;
    return {
        country_code => $f->{country},
        state1       => $f->{region},
        state2       => '',
        city         => $f->{city},
        postcode     => '',
        latitude     => $f->{latitude},
        longitude    => $f->{longitude},
        timezone     => '',
    };
};

my ( $epoch,      @rows )  = read_source("$here/lab-geo.tsv");
my ( $next_epoch, @added ) = read_source("$here/lab-geo-next.tsv");

my %common = ( epoch => $epoch, rows => \@rows );
write_db( %common, path => "$out/geoip2/GeoLite2-City-lab.mmdb", ip_version => 6, record_size => 28,
    database_type => 'GeoLite2-City', types => \%geoip2_types, record => $geoip2_city );
write_db( %common, path => "$out/geoip2/GeoLite2-ASN-lab.mmdb", ip_version => 6,
    database_type => 'GeoLite2-ASN', types => \%geoip2_types, record => $asn );
write_db( %common, path => "$out/geoip2-next/GeoLite2-City-lab.mmdb", ip_version => 6, record_size => 28,
    epoch => $next_epoch, rows => [ @rows, @added ],
    database_type => 'GeoLite2-City', types => \%geoip2_types, record => $geoip2_city );
for my $family ( 4, 6 ) {
    write_db( %common, path => "$out/ip-location-db/city/lab-city-ipv$family.mmdb",
        ip_version => $family, family => $family, record_size => ( $family == 6 ? 32 : 24 ),
        database_type => "city ipv$family", types => \%flat_types, record => $flat_city );
    write_db( %common, path => "$out/ip-location-db/asn/lab-asn-ipv$family.mmdb",
        ip_version => $family, family => $family,
        database_type => "asn ipv$family", types => \%flat_types, record => $asn );
}
