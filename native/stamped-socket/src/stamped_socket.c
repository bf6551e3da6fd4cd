// A raw IPv4/IPv6 socket for the prober whose round-trip times must be the network's, not the
// event loop's: every receive carries the kernel's receive timestamp (SO_TIMESTAMPNS, read from
// recvmsg's ancillary data) and every send reports the clock read right before its sendto.
// Non-blocking; libuv watches the descriptor (uv_poll), so no thread ever waits. It parses no
// packet and keeps no state about probes: that is services/prober/*.ts.

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

// Times cross to JavaScript as milliseconds of CLOCK_REALTIME (the clock SO_TIMESTAMPNS stamps
// with) since a whole second taken at load: a double then keeps well under a nanosecond.
static time_t base_seconds;

static double ms_of(const struct timespec *t) {
  return (double)(t->tv_sec - base_seconds) * 1e3 + (double)t->tv_nsec / 1e6;
}

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  return ms_of(&t);
}

typedef struct {
  int fd;
  int family;
  int ttl;
  int closed;
  napi_env env;
  uv_poll_t *poll;
  napi_ref on_readable;
  napi_async_context async;
} stamped_socket;

#define CHECK(call)                                                                                \
  do {                                                                                             \
    if ((call) != napi_ok) {                                                                       \
      napi_throw_error(env, "ESTAMPEDSOCKET", "stamped-socket: " #call " failed");              \
      return NULL;                                                                                 \
    }                                                                                              \
  } while (0)

static const char *errno_name(int error) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
  const char *name = strerrorname_np(error);
  if (name) return name;
#endif
  return "EUNKNOWN";
}

// Throws an Error whose code is the errno's name (EPERM, EAGAIN, ...), with errno, syscall and,
// when there is one, the address: the caller decides by code, never by message.
static napi_value throw_errno(napi_env env, int error, const char *syscall, const char *address) {
  char message[256];
  if (address)
    snprintf(message, sizeof message, "%s %s: %s", syscall, address, strerror(error));
  else
    snprintf(message, sizeof message, "%s: %s", syscall, strerror(error));
  napi_value code, text, value, number, call;
  napi_create_string_utf8(env, errno_name(error), NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &text);
  napi_create_error(env, code, text, &value);
  napi_create_int32(env, error, &number);
  napi_set_named_property(env, value, "errno", number);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &call);
  napi_set_named_property(env, value, "syscall", call);
  if (address) {
    napi_value where;
    napi_create_string_utf8(env, address, NAPI_AUTO_LENGTH, &where);
    napi_set_named_property(env, value, "address", where);
  }
  napi_throw(env, value);
  return NULL;
}

static napi_value throw_type(napi_env env, const char *message) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
  return NULL;
}

static void free_poll(uv_handle_t *handle) { free(handle); }

static void close_socket(stamped_socket *s) {
  if (s->closed) return;
  s->closed = 1;
  if (s->poll) {
    uv_poll_stop(s->poll);
    uv_close((uv_handle_t *)s->poll, free_poll);
    s->poll = NULL;
  }
  if (s->on_readable) {
    napi_delete_reference(s->env, s->on_readable);
    s->on_readable = NULL;
  }
  if (s->async) {
    napi_async_destroy(s->env, s->async);
    s->async = NULL;
  }
  close(s->fd);
  s->fd = -1;
}

static void finalize(napi_env env, void *data, void *hint) {
  stamped_socket *s = data;
  close_socket(s);
  free(s);
}

static stamped_socket *unwrap(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv) {
  napi_value self;
  void *data = NULL;
  if (napi_get_cb_info(env, info, argc, argv, &self, NULL) != napi_ok) return NULL;
  if (napi_unwrap(env, self, &data) != napi_ok) {
    throw_type(env, "stamped-socket: not a Socket");
    return NULL;
  }
  stamped_socket *s = data;
  if (s->closed) {
    throw_errno(env, EBADF, "socket closed", NULL);
    return NULL;
  }
  return s;
}

// new Socket(family: 4 | 6, protocol: number)
static napi_value socket_new(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], self;
  CHECK(napi_get_cb_info(env, info, &argc, argv, &self, NULL));
  int32_t family = 0, protocol = -1;
  if (argc < 2 || napi_get_value_int32(env, argv[0], &family) != napi_ok ||
      napi_get_value_int32(env, argv[1], &protocol) != napi_ok || (family != 4 && family != 6) ||
      protocol < 0 || protocol > 255)
    return throw_type(env, "new Socket(family, protocol): family 4 or 6, protocol 0-255");
  int fd = socket(family == 4 ? AF_INET : AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd < 0) return throw_errno(env, errno, "socket", NULL);
  int on = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) < 0) {
    int error = errno;
    close(fd);
    return throw_errno(env, error, "setsockopt SO_TIMESTAMPNS", NULL);
  }
  stamped_socket *s = calloc(1, sizeof *s);
  if (!s) {
    close(fd);
    return throw_errno(env, ENOMEM, "calloc", NULL);
  }
  s->fd = fd;
  s->family = family;
  s->env = env;
  if (napi_wrap(env, self, s, finalize, NULL, NULL) != napi_ok) {
    close(fd);
    free(s);
    return throw_errno(env, EINVAL, "napi_wrap", NULL);
  }
  return self;
}

// setOption(level, option, value: number | Buffer)
static napi_value socket_set_option(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  stamped_socket *s = unwrap(env, info, &argc, argv);
  if (!s) return NULL;
  int32_t level, option;
  if (argc < 3 || napi_get_value_int32(env, argv[0], &level) != napi_ok ||
      napi_get_value_int32(env, argv[1], &option) != napi_ok)
    return throw_type(env, "setOption(level, option, value): numbers");
  bool is_buffer = false;
  napi_is_buffer(env, argv[2], &is_buffer);
  int result;
  if (is_buffer) {
    void *data;
    size_t length;
    CHECK(napi_get_buffer_info(env, argv[2], &data, &length));
    result = setsockopt(s->fd, level, option, data, (socklen_t)length);
  } else {
    int32_t value;
    if (napi_get_value_int32(env, argv[2], &value) != napi_ok)
      return throw_type(env, "setOption: value is a number or a Buffer");
    result = setsockopt(s->fd, level, option, &value, sizeof value);
  }
  if (result < 0) {
    char what[64];
    snprintf(what, sizeof what, "setsockopt %d/%d", level, option);
    return throw_errno(env, errno, what, NULL);
  }
  return NULL;
}

static int parse_address(stamped_socket *s, const char *text, struct sockaddr_storage *to, socklen_t *length) {
  memset(to, 0, sizeof *to);
  if (s->family == 4) {
    struct sockaddr_in *v4 = (struct sockaddr_in *)to;
    v4->sin_family = AF_INET;
    *length = sizeof *v4;
    return inet_pton(AF_INET, text, &v4->sin_addr) == 1;
  }
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)to;
  v6->sin6_family = AF_INET6;
  *length = sizeof *v6;
  return inet_pton(AF_INET6, text, &v6->sin6_addr) == 1;
}

static int set_ttl(stamped_socket *s, int ttl) {
  if (ttl <= 0 || ttl == s->ttl) return 0;
  int result = s->family == 4 ? setsockopt(s->fd, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl)
                              : setsockopt(s->fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof ttl);
  if (result == 0) s->ttl = ttl;
  return result;
}

// send(buffer, offset, length, address, ttl) -> the time (ms, see ms_of) read right before sendto.
// ttl 0 leaves the socket's TTL / hop limit as it is; another value is set only when it changes.
static napi_value socket_send(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  stamped_socket *s = unwrap(env, info, &argc, argv);
  if (!s) return NULL;
  uint8_t *data;
  size_t size;
  uint32_t offset, length;
  int32_t ttl = 0;
  char address[INET6_ADDRSTRLEN + 1];
  size_t address_length;
  if (argc < 5 || napi_get_buffer_info(env, argv[0], (void **)&data, &size) != napi_ok ||
      napi_get_value_uint32(env, argv[1], &offset) != napi_ok ||
      napi_get_value_uint32(env, argv[2], &length) != napi_ok ||
      napi_get_value_string_utf8(env, argv[3], address, sizeof address, &address_length) != napi_ok ||
      napi_get_value_int32(env, argv[4], &ttl) != napi_ok)
    return throw_type(env, "send(buffer, offset, length, address, ttl)");
  if ((size_t)offset + length > size) return throw_errno(env, ERANGE, "send: offset + length past the buffer", NULL);
  struct sockaddr_storage to;
  socklen_t to_length;
  if (address_length >= INET6_ADDRSTRLEN || !parse_address(s, address, &to, &to_length))
    return throw_errno(env, EINVAL, s->family == 4 ? "send: not an IPv4 address" : "send: not an IPv6 address",
                       address);
  if (set_ttl(s, ttl) < 0) return throw_errno(env, errno, "setsockopt TTL", address);
  struct timespec sent;
  clock_gettime(CLOCK_REALTIME, &sent);
  if (sendto(s->fd, data + offset, length, 0, (struct sockaddr *)&to, to_length) < 0)
    return throw_errno(env, errno, "sendto", address);
  napi_value result;
  CHECK(napi_create_double(env, ms_of(&sent), &result));
  return result;
}

// recv(buffer, meta: Float64Array(3)) -> the source address, or null when nothing is queued.
// meta[0] = bytes read, meta[1] = receive time (ms, see ms_of), meta[2] = 1 when the kernel
// stamped it (SO_TIMESTAMPNS), 0 when only the clock at recvmsg was to be had.
static napi_value socket_recv(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  stamped_socket *s = unwrap(env, info, &argc, argv);
  if (!s) return NULL;
  void *data;
  size_t size;
  napi_typedarray_type type;
  size_t meta_length;
  void *meta_data;
  if (argc < 2 || napi_get_buffer_info(env, argv[0], &data, &size) != napi_ok ||
      napi_get_typedarray_info(env, argv[1], &type, &meta_length, &meta_data, NULL, NULL) != napi_ok ||
      type != napi_float64_array || meta_length < 3)
    return throw_type(env, "recv(buffer, meta: Float64Array(3))");
  double *meta = meta_data;
  struct sockaddr_storage from;
  struct iovec iov = {.iov_base = data, .iov_len = size};
  union {
    char bytes[CMSG_SPACE(sizeof(struct timespec)) + 64];
    struct cmsghdr align;
  } control;
  struct msghdr msg = {
      .msg_name = &from,
      .msg_namelen = sizeof from,
      .msg_iov = &iov,
      .msg_iovlen = 1,
      .msg_control = control.bytes,
      .msg_controllen = sizeof control.bytes,
  };
  ssize_t bytes = recvmsg(s->fd, &msg, MSG_DONTWAIT);
  if (bytes < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      napi_value none;
      napi_get_null(env, &none);
      return none;
    }
    return throw_errno(env, errno, "recvmsg", NULL);
  }
  meta[0] = (double)((size_t)bytes < size ? (size_t)bytes : size);
  meta[2] = 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
      struct timespec stamp;
      memcpy(&stamp, CMSG_DATA(c), sizeof stamp);
      meta[1] = ms_of(&stamp);
      meta[2] = 1;
    }
  }
  if (meta[2] == 0) meta[1] = now_ms();
  char text[INET6_ADDRSTRLEN] = "";
  if (from.ss_family == AF_INET)
    inet_ntop(AF_INET, &((struct sockaddr_in *)&from)->sin_addr, text, sizeof text);
  else if (from.ss_family == AF_INET6)
    inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&from)->sin6_addr, text, sizeof text);
  napi_value result;
  CHECK(napi_create_string_latin1(env, text, NAPI_AUTO_LENGTH, &result));
  return result;
}

static void on_poll(uv_poll_t *handle, int status, int events) {
  stamped_socket *s = handle->data;
  if (s->closed || !s->on_readable) return;
  napi_env env = s->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value callback, receiver, result;
  if (napi_get_reference_value(env, s->on_readable, &callback) == napi_ok && callback &&
      napi_get_global(env, &receiver) == napi_ok) {
    if (napi_make_callback(env, s->async, receiver, callback, 0, NULL, &result) == napi_pending_exception) {
      napi_value error;
      napi_get_and_clear_last_exception(env, &error);
      napi_fatal_exception(env, error);
    }
  }
  napi_close_handle_scope(env, scope);
}

// onReadable(callback | null): calls back (no arguments) whenever a recv would find a packet;
// null stops watching, and the kernel keeps queueing up to the receive buffer.
static napi_value socket_on_readable(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  stamped_socket *s = unwrap(env, info, &argc, argv);
  if (!s) return NULL;
  napi_valuetype type = napi_undefined;
  if (argc >= 1) napi_typeof(env, argv[0], &type);
  if (type != napi_function && type != napi_null) return throw_type(env, "onReadable(callback | null)");
  if (s->on_readable) {
    napi_delete_reference(env, s->on_readable);
    s->on_readable = NULL;
  }
  if (type == napi_null) {
    if (s->poll) uv_poll_stop(s->poll);
    return NULL;
  }
  CHECK(napi_create_reference(env, argv[0], 1, &s->on_readable));
  if (!s->async) {
    napi_value name;
    CHECK(napi_create_string_utf8(env, "StampedSocket", NAPI_AUTO_LENGTH, &name));
    CHECK(napi_async_init(env, NULL, name, &s->async));
  }
  if (!s->poll) {
    struct uv_loop_s *loop;
    CHECK(napi_get_uv_event_loop(env, &loop));
    s->poll = malloc(sizeof *s->poll);
    if (!s->poll) return throw_errno(env, ENOMEM, "malloc", NULL);
    int error = uv_poll_init(loop, s->poll, s->fd);
    if (error < 0) {
      free(s->poll);
      s->poll = NULL;
      return throw_errno(env, -error, "uv_poll_init", NULL);
    }
    s->poll->data = s;
  }
  int error = uv_poll_start(s->poll, UV_READABLE, on_poll);
  if (error < 0) return throw_errno(env, -error, "uv_poll_start", NULL);
  return NULL;
}

static napi_value socket_close(napi_env env, napi_callback_info info) {
  napi_value self;
  void *data = NULL;
  CHECK(napi_get_cb_info(env, info, NULL, NULL, &self, NULL));
  if (napi_unwrap(env, self, &data) != napi_ok) return throw_type(env, "stamped-socket: not a Socket");
  close_socket(data);
  return NULL;
}

static napi_value clock_now(napi_env env, napi_callback_info info) {
  napi_value result;
  CHECK(napi_create_double(env, now_ms(), &result));
  return result;
}

static void set_base(void) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  base_seconds = t.tv_sec;
}

static napi_value init(napi_env env, napi_value exports) {
  // Once per process: worker threads that load the addon share the clock's origin.
  static uv_once_t once = UV_ONCE_INIT;
  uv_once(&once, set_base);
  napi_property_descriptor methods[] = {
      {"setOption", NULL, socket_set_option, NULL, NULL, NULL, napi_default, NULL},
      {"send", NULL, socket_send, NULL, NULL, NULL, napi_default, NULL},
      {"recv", NULL, socket_recv, NULL, NULL, NULL, napi_default, NULL},
      {"onReadable", NULL, socket_on_readable, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, socket_close, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_value constructor, now;
  CHECK(napi_define_class(env, "Socket", NAPI_AUTO_LENGTH, socket_new, NULL, sizeof methods / sizeof methods[0],
                          methods, &constructor));
  CHECK(napi_set_named_property(env, exports, "Socket", constructor));
  CHECK(napi_create_function(env, "now", NAPI_AUTO_LENGTH, clock_now, NULL, &now));
  CHECK(napi_set_named_property(env, exports, "now", now));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
