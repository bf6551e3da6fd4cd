// Types of the addon built from src/stamped_socket.c.

/** Error thrown by a socket call: `code` is the errno's name (EPERM, EAGAIN, ENOBUFS, ...). */
export interface StampedSocketError extends Error {
  code: string;
  errno: number;
  syscall: string;
  address?: string;
}

export class Socket {
  /** A raw socket of one family and IP protocol (1 ICMP, 58 ICMPv6, 6 TCP, 17 UDP); EPERM without CAP_NET_RAW. */
  constructor(family: 4 | 6, protocol: number);
  setOption(level: number, option: number, value: number | Buffer): void;
  /**
   * Sends `length` bytes from `offset` to `address` (numeric text of the socket's family), with
   * TTL / hop limit `ttl` (0: unchanged). Returns the clock (see now()) read right before sendto.
   */
  send(buffer: Buffer, offset: number, length: number, address: string, ttl: number): number;
  /**
   * Reads one queued packet into `buffer`; null when none is queued. meta[0] = bytes, meta[1] =
   * the kernel's receive time (see now()), meta[2] = 1 when the kernel stamped it, 0 when not.
   */
  recv(buffer: Buffer, meta: Float64Array): string | null;
  /** Calls `callback` whenever a packet is queued; null stops watching. */
  onReadable(callback: (() => void) | null): void;
  close(): void;
}

/** CLOCK_REALTIME in ms since a whole second taken at load: the clock of send() and recv(). */
export function now(): number;
