/*
 * errbuf.c: error messages for parsers of outside input (see errbuf.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <daos_errno.h>
#include "gurt/errbuf.h"

void
d_errbuf_printf(char *errbuf, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errbuf == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(errbuf, errlen, fmt, ap);
	va_end(ap);
}

const char *
d_errbuf_quote(char *dst, const char *s, size_t len, size_t max)
{
	size_t n = len < max ? len : max;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		dst[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	if (len > max) {
		memcpy(dst + n, "...", 3);
		n += 3;
	}
	dst[n] = '\0';
	return dst;
}

int
d_errno2der(int err)
{
	switch (err) {
	case 0:
		return 0;
	case ENOENT:
		return -DER_NONEXIST;
	case ENOTDIR:
		return -DER_NOTDIR;
	case EEXIST:
		return -DER_EXIST;
	case ENOMEM:
	case ENOBUFS:
		return -DER_NOMEM;
	case ENOSPC:
	case EDQUOT:
		return -DER_NOSPACE;
	case EACCES:
	case EPERM:
	case EROFS:
		return -DER_NO_PERM;
	case EBUSY:
	case EAGAIN:
	case EADDRINUSE:
		return -DER_BUSY;
	case EINVAL:
	case EISDIR:
	case ENAMETOOLONG:
	case ELOOP:
	case ENXIO:
		return -DER_INVAL;
	case ENOSYS:
	case EOPNOTSUPP:
		return -DER_NOTSUPPORTED;
	case ETIMEDOUT:
		return -DER_TIMEDOUT;
	case ECONNREFUSED:
	case EHOSTUNREACH:
	case ENETUNREACH:
		return -DER_UNREACH;
	default:
		return -DER_IO;
	}
}
