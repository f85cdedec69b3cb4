/*
 * ctl_http_pem.c: loading and checking the PEM files (CA, certificate, key)
 * of the control API, shared by the server and the client: readable regular
 * files of bounded size, valid PEM, CA entries that are CAs, certificates in
 * date, and a key that matches its certificate. Every refusal names the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include <daos_errno.h>
#include "gurt/errbuf.h"
#include "control/ctl_http.h"

#define HS_PATH_QUOTE  256


static const char *
pem_quote(char *dst, const char *path)
{
	return d_errbuf_quote(dst, path, strlen(path), HS_PATH_QUOTE);
}

static void
pem_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, len, "@%lld", (long long)t);
}

/* Read a whole PEM file (bounded) as a NUL-terminated string. */
static int
pem_read(const char *what, const char *path, char **out, char *errbuf, size_t errlen)
{
	char        q[HS_PATH_QUOTE + 4];
	struct stat st;
	char       *buf = NULL;
	size_t      len = 0;
	ssize_t     n;
	int         fd;
	int         rc = 0;

	/* O_NONBLOCK: a FIFO given by mistake must not hang the start. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		d_errbuf_printf(errbuf, errlen, "cannot read %s '%s': %s", what,
				pem_quote(q, path), strerror(errno));
		return -DER_NO_CERT;
	}
	if (fstat(fd, &st) != 0) {
		d_errbuf_printf(errbuf, errlen, "cannot read %s '%s': %s", what,
				pem_quote(q, path), strerror(errno));
		rc = -DER_NO_CERT;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		d_errbuf_printf(errbuf, errlen, "cannot read %s '%s': not a regular file", what,
				pem_quote(q, path));
		rc = -DER_NO_CERT;
		goto out;
	}
	if (st.st_size > (off_t)CTL_HTTP_PEM_MAX)
		goto too_big;
	buf = malloc(CTL_HTTP_PEM_MAX + 2);
	if (buf == NULL) {
		rc = -DER_NOMEM;
		goto out;
	}
	/* Read up to one byte past the limit, so that a file that grew is caught. */
	while (len <= CTL_HTTP_PEM_MAX) {
		n = read(fd, buf + len, CTL_HTTP_PEM_MAX + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			d_errbuf_printf(errbuf, errlen, "cannot read %s '%s': %s", what,
					pem_quote(q, path), strerror(errno));
			rc = -DER_NO_CERT;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > CTL_HTTP_PEM_MAX)
		goto too_big;
	buf[len] = '\0';
	/* Keep only what the file holds (the server keeps the texts while it runs). */
	*out = realloc(buf, len + 1);
	if (*out == NULL)
		*out = buf;
	buf = NULL;
	goto out;
too_big:
	d_errbuf_printf(errbuf, errlen, "%s '%s' is larger than %u bytes", what,
			pem_quote(q, path), CTL_HTTP_PEM_MAX);
	rc = -DER_BAD_CERT;
out:
	free(buf);
	close(fd);
	return rc;
}

/* Is now within the certificate's validity period? */
static int
pem_check_time(const char *what, const char *path, gnutls_x509_crt_t crt, char *errbuf,
	       size_t errlen)
{
	char   q[HS_PATH_QUOTE + 4];
	char   when[64];
	time_t now = time(NULL);
	time_t t;

	t = gnutls_x509_crt_get_expiration_time(crt);
	if (t != (time_t)-1 && now > t) {
		pem_time(t, when, sizeof(when));
		d_errbuf_printf(errbuf, errlen, "%s '%s' expired on %s", what, pem_quote(q, path),
				when);
		return -DER_BAD_CERT;
	}
	t = gnutls_x509_crt_get_activation_time(crt);
	if (t != (time_t)-1 && now < t) {
		pem_time(t, when, sizeof(when));
		d_errbuf_printf(errbuf, errlen, "%s '%s' is not valid before %s", what,
				pem_quote(q, path), when);
		return -DER_BAD_CERT;
	}
	return 0;
}

/*
 * Parse the certificates of a PEM text and check each one's validity period
 * (and CA status when need_ca). \a first receives the first certificate when
 * not NULL (caller deinits it).
 */
static int
pem_check_certs(const char *what, const char *path, const char *text, bool need_ca,
		gnutls_x509_crt_t *first, char *errbuf, size_t errlen)
{
	char               q[HS_PATH_QUOTE + 4];
	gnutls_datum_t     d = {(unsigned char *)text, (unsigned int)strlen(text)};
	gnutls_x509_crt_t *list = NULL;
	unsigned int       n = 0;
	unsigned int       i;
	int                grc;
	int                rc = 0;

	if (strstr(text, "-----BEGIN ") == NULL) {
		d_errbuf_printf(errbuf, errlen, "%s '%s' holds no PEM block", what,
				pem_quote(q, path));
		return -DER_BAD_CERT;
	}
	grc = gnutls_x509_crt_list_import2(&list, &n, &d, GNUTLS_X509_FMT_PEM, 0);
	if (grc == GNUTLS_E_MEMORY_ERROR)
		return -DER_NOMEM;
	if (grc < 0 || n == 0) {
		d_errbuf_printf(errbuf, errlen, "%s '%s' is not a valid PEM certificate: %s", what,
				pem_quote(q, path),
				grc < 0 ? gnutls_strerror(grc) : "no certificate found");
		rc = -DER_BAD_CERT;
		goto out;
	}
	for (i = 0; i < n && rc == 0; i++) {
		if (need_ca && gnutls_x509_crt_get_ca_status(list[i], NULL) <= 0) {
			d_errbuf_printf(errbuf, errlen,
					"%s '%s' is not a CA (basicConstraints CA:TRUE missing)",
					what, pem_quote(q, path));
			rc = -DER_BAD_CERT;
			break;
		}
		rc = pem_check_time(what, path, list[i], errbuf, errlen);
	}
	if (rc == 0 && first != NULL) {
		*first = list[0];
		list[0] = NULL;
	}
out:
	for (i = 0; i < n; i++)
		if (list[i] != NULL)
			gnutls_x509_crt_deinit(list[i]);
	gnutls_free(list);
	return rc;
}

/* Parse the key and, when \a crt is given, check that it is the certificate's key. */
static int
pem_check_key(const char *path, const char *text, const char *cert_path, gnutls_x509_crt_t crt,
	      char *errbuf, size_t errlen)
{
	char                  q[HS_PATH_QUOTE + 4];
	char                  q2[HS_PATH_QUOTE + 4];
	gnutls_datum_t        d = {(unsigned char *)text, (unsigned int)strlen(text)};
	gnutls_x509_privkey_t key;
	unsigned char         id1[64];
	unsigned char         id2[64];
	size_t                l1 = sizeof(id1);
	size_t                l2 = sizeof(id2);
	int                   grc;
	int                   rc = 0;

	if (strstr(text, "-----BEGIN ") == NULL) {
		d_errbuf_printf(errbuf, errlen, "key '%s' holds no PEM block", pem_quote(q, path));
		return -DER_BAD_CERT;
	}
	if (gnutls_x509_privkey_init(&key) < 0)
		return -DER_NOMEM;
	grc = gnutls_x509_privkey_import2(key, &d, GNUTLS_X509_FMT_PEM, NULL, 0);
	if (grc == GNUTLS_E_MEMORY_ERROR) {
		rc = -DER_NOMEM;
		goto out;
	}
	if (grc < 0) {
		d_errbuf_printf(errbuf, errlen, "key '%s' is not a valid PEM private key: %s",
				pem_quote(q, path), gnutls_strerror(grc));
		rc = -DER_BAD_CERT;
		goto out;
	}
	if (crt == NULL)
		goto out;
	if (gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA256, id1, &l1) < 0 ||
	    gnutls_x509_privkey_get_key_id(key, GNUTLS_KEYID_USE_SHA256, id2, &l2) < 0 ||
	    l1 != l2 || memcmp(id1, id2, l1) != 0) {
		d_errbuf_printf(errbuf, errlen, "key '%s' does not match certificate '%s'",
				pem_quote(q, path), pem_quote(q2, cert_path));
		rc = -DER_BAD_CERT;
	}
out:
	gnutls_x509_privkey_deinit(key);
	return rc;
}

static bool
pem_given(const char *path)
{
	return path != NULL && path[0] != '\0';
}

void
ctl_http_pem_free(struct ctl_http_pem *pem)
{
	if (pem == NULL)
		return;
	free(pem->hp_ca);
	free(pem->hp_cert);
	free(pem->hp_key);
	memset(pem, 0, sizeof(*pem));
}

int
ctl_http_pem_load(const char *ca, const char *cert, const char *key, bool required,
		  struct ctl_http_pem *pem, char *errbuf, size_t errlen)
{
	static const char *const what[3] = {"CA certificate", "certificate", "key"};
	const char              *paths[3] = {ca, cert, key};
	gnutls_x509_crt_t        crt = NULL;
	int                      i;
	int                      rc = 0;

	if (pem == NULL)
		return -DER_INVAL;
	memset(pem, 0, sizeof(*pem));
	d_errbuf_printf(errbuf, errlen, "%s", "");
	for (i = 0; i < 3; i++) {
		if (!pem_given(paths[i]) && required) {
			d_errbuf_printf(errbuf, errlen,
					"no %s file given (required unless allow_insecure is true)",
					what[i]);
			return -DER_NO_CERT;
		}
	}
	if (pem_given(ca)) {
		rc = pem_read(what[0], ca, &pem->hp_ca, errbuf, errlen);
		if (rc == 0)
			rc = pem_check_certs(what[0], ca, pem->hp_ca, true, NULL, errbuf, errlen);
		if (rc != 0)
			goto out;
	}
	if (pem_given(cert)) {
		rc = pem_read(what[1], cert, &pem->hp_cert, errbuf, errlen);
		if (rc == 0)
			rc = pem_check_certs(what[1], cert, pem->hp_cert, false, &crt, errbuf,
					     errlen);
		if (rc != 0)
			goto out;
	}
	if (pem_given(key)) {
		rc = pem_read(what[2], key, &pem->hp_key, errbuf, errlen);
		if (rc == 0)
			rc = pem_check_key(key, pem->hp_key, cert, crt, errbuf, errlen);
	}
out:
	if (crt != NULL)
		gnutls_x509_crt_deinit(crt);
	if (rc != 0)
		ctl_http_pem_free(pem);
	if (rc == -DER_NOMEM)
		d_errbuf_printf(errbuf, errlen, "out of memory");
	return rc;
}

