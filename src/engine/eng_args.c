/*
 * eng_args.c: daos_engine's command line, with DAOS's option letters:
 *   -t/--targets  -x/--xshelpernr  -f/--firstcore  -p/--pinned_numa_node
 *   -g/--group  -d/--socket_dir  -I/--instance_idx  -s/--storage
 *   -b/--bypass_health_chk  -h/--help  -V/--version
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <daos_errno.h>
#include "gurt/errbuf.h"
#include "engine/engine.h"

static const struct option eng_longopts[] = {
	{"targets", required_argument, NULL, 't'},
	{"xshelpernr", required_argument, NULL, 'x'},
	{"firstcore", required_argument, NULL, 'f'},
	{"pinned_numa_node", required_argument, NULL, 'p'},
	{"group", required_argument, NULL, 'g'},
	{"socket_dir", required_argument, NULL, 'd'},
	{"instance_idx", required_argument, NULL, 'I'},
	{"storage", required_argument, NULL, 's'},
	{"bypass_health_chk", no_argument, NULL, 'b'},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

void
eng_args_usage(const char *prog, FILE *stream)
{
	fprintf(stream,
		"Usage: %s [options]\n"
		"  -t, --targets=N            number of targets (1..%d, default 1)\n"
		"  -x, --xshelpernr=N         helper xstreams (0..%d, default 0)\n"
		"  -f, --firstcore=N          pin to core N (0..%d)\n"
		"  -p, --pinned_numa_node=N   pin to the cores of NUMA node N (0..%d)\n"
		"  -g, --group=NAME           system name (default daos_server)\n"
		"  -d, --socket_dir=DIR       daos_server socket directory\n"
		"                             (default /var/run/daos_server; $DAOS_ENGINE_SOCK\n"
		"                             overrides the whole socket path)\n"
		"  -I, --instance_idx=N       engine index in daos_server.yml (0..%d)\n"
		"  -s, --storage=DIR          SCM mount (default /mnt/daos)\n"
		"  -b, --bypass_health_chk    skip device health checks\n"
		"  -h, --help                 this text\n"
		"  -V, --version              print the version\n"
		"Environment: D_LOG_FILE, D_LOG_MASK, D_PROVIDER, D_INTERFACE, D_PORT.\n",
		prog, ENG_TARGETS_MAX, ENG_HELPERS_MAX, ENG_CORE_MAX, ENG_NUMA_MAX, ENG_IDX_MAX);
}

/* A decimal integer in [min, max], nothing else. */
static int
parse_uint(const char *opt, const char *s, unsigned long min, unsigned long max,
	   unsigned long *out, char *errbuf, size_t errlen)
{
	char          q[36];
	char         *end;
	unsigned long v;

	if (s[0] < '0' || s[0] > '9') {
		d_errbuf_printf(errbuf, errlen, "%s: '%s' is not a number", opt,
				d_errbuf_quote(q, s, strlen(s), 32));
		return -DER_INVAL;
	}
	errno = 0;
	v     = strtoul(s, &end, 10);
	if (*end != '\0') {
		d_errbuf_printf(errbuf, errlen, "%s: '%s' is not a number", opt,
				d_errbuf_quote(q, s, strlen(s), 32));
		return -DER_INVAL;
	}
	if (errno == ERANGE || v < min || v > max) {
		d_errbuf_printf(errbuf, errlen, "%s: %s not in [%lu, %lu]", opt,
				d_errbuf_quote(q, s, strlen(s), 32), min, max);
		return -DER_INVAL;
	}
	*out = v;
	return 0;
}

static int
copy_str(const char *opt, const char *s, char *dst, size_t size, bool path, char *errbuf,
	 size_t errlen)
{
	size_t len = strnlen(s, size);

	if (len == 0 || len >= size) {
		d_errbuf_printf(errbuf, errlen, "%s: length must be 1 to %zu bytes", opt, size - 1);
		return -DER_INVAL;
	}
	if (path && s[0] != '/') {
		d_errbuf_printf(errbuf, errlen, "%s: '%.64s' is not an absolute path", opt, s);
		return -DER_INVAL;
	}
	memcpy(dst, s, len + 1);
	return 0;
}

int
eng_args_parse(int argc, char **argv, struct eng_args *args, char *errbuf, size_t errlen)
{
	struct eng_args a;
	unsigned long   v;
	int             c;
	int             rc = 0;

	d_errbuf_printf(errbuf, errlen, "%s", "");
	memset(&a, 0, sizeof(a));
	a.ea_targets    = 1;
	a.ea_first_core = -1;
	a.ea_numa       = -1;
	strcpy(a.ea_group, "daos_server");
	strcpy(a.ea_socket_dir, "/var/run/daos_server");
	strcpy(a.ea_storage, "/mnt/daos");

	optind = 1;
	opterr = 0;
	while (rc == 0 && (c = getopt_long(argc, argv, ":t:x:f:p:g:d:I:s:bhV", eng_longopts,
					   NULL)) != -1) {
		switch (c) {
		case 't':
			rc = parse_uint("-t/--targets", optarg, 1, ENG_TARGETS_MAX, &v, errbuf,
					errlen);
			a.ea_targets = (uint32_t)v;
			break;
		case 'x':
			rc = parse_uint("-x/--xshelpernr", optarg, 0, ENG_HELPERS_MAX, &v, errbuf,
					errlen);
			a.ea_helpers = (uint32_t)v;
			break;
		case 'f':
			rc = parse_uint("-f/--firstcore", optarg, 0, ENG_CORE_MAX, &v, errbuf,
					errlen);
			a.ea_first_core = (int32_t)v;
			break;
		case 'p':
			rc = parse_uint("-p/--pinned_numa_node", optarg, 0, ENG_NUMA_MAX, &v,
					errbuf, errlen);
			a.ea_numa = (int32_t)v;
			break;
		case 'I':
			rc = parse_uint("-I/--instance_idx", optarg, 0, ENG_IDX_MAX, &v, errbuf,
					errlen);
			a.ea_idx = (uint32_t)v;
			break;
		case 'g':
			rc = copy_str("-g/--group", optarg, a.ea_group, sizeof(a.ea_group), false,
				      errbuf, errlen);
			break;
		case 'd':
			rc = copy_str("-d/--socket_dir", optarg, a.ea_socket_dir,
				      sizeof(a.ea_socket_dir), true, errbuf, errlen);
			break;
		case 's':
			rc = copy_str("-s/--storage", optarg, a.ea_storage, sizeof(a.ea_storage),
				      true, errbuf, errlen);
			break;
		case 'b':
			a.ea_bypass_health = true;
			break;
		case 'h':
			a.ea_help = true;
			break;
		case 'V':
			a.ea_version = true;
			break;
		case ':':
			d_errbuf_printf(errbuf, errlen, "option %s needs a value",
					argv[optind - 1] != NULL ? argv[optind - 1] : "?");
			rc = -DER_INVAL;
			break;
		default:
			if (optopt != 0)
				d_errbuf_printf(errbuf, errlen, "unknown option -%c", optopt);
			else
				d_errbuf_printf(errbuf, errlen, "unknown option %.64s",
						argv[optind - 1] != NULL ? argv[optind - 1] : "?");
			rc = -DER_INVAL;
			break;
		}
	}
	if (rc == 0 && optind < argc) {
		d_errbuf_printf(errbuf, errlen, "unexpected argument '%.64s'", argv[optind]);
		rc = -DER_INVAL;
	}
	if (rc == 0 && a.ea_first_core >= 0 && a.ea_numa >= 0) {
		d_errbuf_printf(errbuf, errlen, "-f/--firstcore and -p/--pinned_numa_node are "
				"mutually exclusive");
		rc = -DER_INVAL;
	}
	if (rc == 0)
		*args = a;
	return rc;
}
