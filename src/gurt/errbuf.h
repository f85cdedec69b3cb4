/*
 * errbuf.h: error messages for parsers of outside input.
 *
 * Parsers take `char *errbuf, size_t errlen` and, on failure, return a DER
 * code and put one sentence naming the bad token there. These two helpers are
 * what every parser uses to do that.
 */
#ifndef GURT_ERRBUF_H
#define GURT_ERRBUF_H

#include <stddef.h>

/** Format a message into errbuf; nothing happens when errbuf is NULL or errlen is 0. */
void d_errbuf_printf(char *errbuf, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/**
 * Copy s[0..len) into dst for quoting in a message: at most `max` bytes, bytes
 * that are not printable ASCII shown as '?' (the message may reach a terminal,
 * a log line or a JSON reply), "..." appended when cut. dst must hold
 * max + 4 bytes. Returns dst.
 */
const char *d_errbuf_quote(char *dst, const char *s, size_t len, size_t max);

/**
 * The DER code of a system call's errno (0 for 0), one mapping for every
 * module: ENOENT -DER_NONEXIST, ENOTDIR -DER_NOTDIR, EEXIST -DER_EXIST,
 * ENOMEM/ENOBUFS -DER_NOMEM, ENOSPC/EDQUOT -DER_NOSPACE, EACCES/EPERM/EROFS
 * -DER_NO_PERM, EBUSY/EAGAIN/EADDRINUSE -DER_BUSY, EINVAL/EISDIR/
 * ENAMETOOLONG/ELOOP/ENXIO -DER_INVAL, ENOSYS/EOPNOTSUPP -DER_NOTSUPPORTED,
 * ETIMEDOUT -DER_TIMEDOUT, ECONNREFUSED/EHOSTUNREACH/ENETUNREACH
 * -DER_UNREACH, anything else -DER_IO.
 */
int d_errno2der(int err);

#endif /* GURT_ERRBUF_H */
