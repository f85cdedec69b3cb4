/*
 * daos_metrics.c: print the telemetry of a local DAOS engine (DAOS's
 * daos_metrics): attach the engine's shared memory segment read-only (key
 * D_TM_ENGINE_KEY_BASE + engine index, gurt/telemetry.h) and print its tree,
 * or CSV rows, once or every -D seconds.
 *
 *   daos_metrics [-S N] [-p PATH] [-i N] [-D S] [-C] [-M] [-T] [-r] [-c -d -t -s -g] [-h]
 *
 * Output (daos-facts section 7):
 *   tree   "ID: <idx>" then one line per node, indented 4 spaces per level:
 *          directories as their name padded to 8, metrics as
 *          "name: value[ units][ [min: .., max: .., avg: .., sum: ..,
 *          stddev: .., samples: ..]]" (stddev with more than 2 samples),
 *          timestamps as ctime, durations in us; -r puts "<ctime of the
 *          read>, " first, then -T "type: <type>, "; -M appends ", desc: ..,
 *          units: ..".
 *   CSV    "ID: <idx>/<path>,<value>[,min,max,mean,samples,sum,stddev]
 *          [,desc,units]", with -M a header line
 *          "name,value,min,max,mean,sample_size,sum,std_dev,description,units".
 *          Rows come from d_tm_export_csv(); with -T (a type column after the
 *          name, as DAOS), -r (a first column with the ctime of the read, and
 *          "timestamp," first in the header) or a type filter the rows are
 *          written here in the same format.
 *
 * Exit status: 0, or 1 with a message on stderr (bad option or value: with
 * the usage; no segment for the engine: its index and key, -DER_NONEXIST;
 * a path not in the tree; an unreadable segment).
 *
 * The reader never blocks the engine and never trusts the segment (the
 * library bounds every offset and string); a node caught mid-update is
 * skipped for this round (a warning), and an engine restart between rounds
 * is followed by re-attaching its new segment.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include <daos_errno.h>
#include "gurt/telemetry.h"

/*
 * Limits
 */
/** Highest engine index (-S): daos_server runs at most 16 engines (ENG_IDX_MAX). */
#define DM_IDX_MAX    15
/** Longest delay between rounds (-D): a day; longer is a cron job. */
#define DM_DELAY_MAX  86400
/** Most rounds (-i); 0 means until interrupted. */
#define DM_ITER_MAX   UINT32_MAX
/** Buffer of one formatted number (a uint64 or a double). */
#define DM_NUM_MAX    40
/** Environment variable moving the key base, as the engine reads it (eng_internal.h). */
#define DM_KEY_ENV    "DAOS_TM_KEY_BASE"

#define DM_TYPES_ALL                                                                       \
	(D_TM_COUNTER | D_TM_TIMESTAMP | D_TM_TIMER_SNAPSHOT | D_TM_DURATION | D_TM_GAUGE |    \
	 D_TM_STATS_GAUGE)

struct dm_opts {
	uint32_t    do_idx;
	char        do_path[D_TM_PATH_MAX]; /* normalised: no leading or trailing '/' */
	uint32_t    do_iter;                /* 0: forever */
	uint32_t    do_delay_s;
	bool        do_csv;
	bool        do_meta;
	bool        do_type;
	bool        do_read;                /* -r: the time each metric was read */
	int         do_filter;              /* D_TM_* bits; 0: every type */
	bool        do_help;
};

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: daos_metrics [OPTIONS]\n"
		"\n"
		"Print the telemetry of a DAOS engine running on this node.\n"
		"\n"
		"Options:\n"
		"  -S, --srv_idx <N>      engine index, 0..%d (default 0): shared memory key\n"
		"                         %#x + N\n"
		"  -p, --path <path>      only the metrics under this path\n"
		"  -i, --iterations <N>   rounds to print (default 1; 0: until interrupted)\n"
		"  -D, --delay <seconds>  pause between rounds, 1..%d (default 1)\n"
		"  -C, --csv              comma separated values instead of the tree\n"
		"  -M, --meta             with the description and units of every metric\n"
		"  -T, --type             with the type of every metric\n"
		"  -r, --read             with the time every metric was read\n"
		"  -c, --counter          counters\n"
		"  -d, --duration         durations\n"
		"  -t, --timestamp        timestamps\n"
		"  -s, --snapshot         timer snapshots\n"
		"  -g, --gauge            gauges (with or without statistics)\n"
		"  -h, --help             this text\n"
		"Type filters combine; without any, every type is printed.\n",
		DM_IDX_MAX, D_TM_ENGINE_KEY_BASE, DM_DELAY_MAX);
}

/* A decimal number in [min, max], nothing else (no sign, no spaces, no suffix). */
static int
parse_u32(const char *opt, const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	unsigned long long v;
	char              *end;

	if (s[0] < '0' || s[0] > '9')
		goto bad;
	errno = 0;
	v     = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		goto bad;
	*out = (uint32_t)v;
	return 0;
bad:
	fprintf(stderr, "daos_metrics: bad value '%.32s' for %s: expected an integer in [%u, %u]\n",
		s, opt, min, max);
	return -DER_INVAL;
}

/* -p: "/a/b/" -> "a/b"; "/" -> "" (the root). The library checks the names. */
static int
parse_path(const char *s, char *out)
{
	size_t len;

	while (*s == '/')
		s++;
	len = strlen(s);
	while (len > 0 && s[len - 1] == '/')
		len--;
	if (len >= D_TM_PATH_MAX) {
		fprintf(stderr, "daos_metrics: path of %zu characters: at most %d\n", len,
			D_TM_PATH_MAX - 1);
		return -DER_INVAL;
	}
	memcpy(out, s, len);
	out[len] = '\0';
	return 0;
}

static int
parse_args(int argc, char **argv, struct dm_opts *o)
{
	static const struct option lopts[] = {
	    {"srv_idx", required_argument, NULL, 'S'}, {"path", required_argument, NULL, 'p'},
	    {"iterations", required_argument, NULL, 'i'}, {"delay", required_argument, NULL, 'D'},
	    {"csv", no_argument, NULL, 'C'},           {"meta", no_argument, NULL, 'M'},
	    {"type", no_argument, NULL, 'T'},          {"counter", no_argument, NULL, 'c'},
	    {"duration", no_argument, NULL, 'd'},      {"timestamp", no_argument, NULL, 't'},
	    {"snapshot", no_argument, NULL, 's'},      {"gauge", no_argument, NULL, 'g'},
	    {"read", no_argument, NULL, 'r'},          {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->do_iter    = 1;
	o->do_delay_s = 1;
	opterr        = 0;
	optind        = 1;
	while ((c = getopt_long(argc, argv, ":S:p:i:D:CMTcdtsgrh", lopts, NULL)) != -1) {
		switch (c) {
		case 'S':
			if (parse_u32("-S/--srv_idx", optarg, 0, DM_IDX_MAX, &o->do_idx) != 0)
				return -DER_INVAL;
			break;
		case 'p':
			if (parse_path(optarg, o->do_path) != 0)
				return -DER_INVAL;
			break;
		case 'i':
			if (parse_u32("-i/--iterations", optarg, 0, DM_ITER_MAX, &o->do_iter) != 0)
				return -DER_INVAL;
			break;
		case 'D':
			if (parse_u32("-D/--delay", optarg, 1, DM_DELAY_MAX, &o->do_delay_s) != 0)
				return -DER_INVAL;
			break;
		case 'C':
			o->do_csv = true;
			break;
		case 'M':
			o->do_meta = true;
			break;
		case 'T':
			o->do_type = true;
			break;
		case 'c':
			o->do_filter |= D_TM_COUNTER;
			break;
		case 'd':
			o->do_filter |= D_TM_DURATION;
			break;
		case 't':
			o->do_filter |= D_TM_TIMESTAMP;
			break;
		case 's':
			o->do_filter |= D_TM_TIMER_SNAPSHOT;
			break;
		case 'g':
			o->do_filter |= D_TM_GAUGE | D_TM_STATS_GAUGE;
			break;
		case 'r':
			o->do_read = true;
			break;
		case 'h':
			o->do_help = true;
			break;
		case ':':
			fprintf(stderr, "daos_metrics: option '%s' needs a value\n",
				argv[optind - 1]);
			return -DER_INVAL;
		default:
			if (optopt != 0)
				fprintf(stderr, "daos_metrics: unknown option '-%c'\n", optopt);
			else
				fprintf(stderr, "daos_metrics: unknown option '%.64s'\n",
					argv[optind - 1]);
			return -DER_INVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "daos_metrics: unexpected argument '%.64s'\n", argv[optind]);
		return -DER_INVAL;
	}
	return 0;
}

/* The key base: D_TM_ENGINE_KEY_BASE, or $DAOS_TM_KEY_BASE (as the engine reads it). */
static int
key_base(unsigned long *base)
{
	const char   *env = getenv(DM_KEY_ENV);
	unsigned long v;
	char         *end;

	*base = D_TM_ENGINE_KEY_BASE;
	if (env == NULL || env[0] == '\0')
		return 0;
	errno = 0;
	v     = strtoul(env, &end, 0);
	if (errno != 0 || *end != '\0' || env[0] == '-' || v == 0 ||
	    v > (unsigned long)INT32_MAX - DM_IDX_MAX) {
		fprintf(stderr, "daos_metrics: %s='%.32s' is not a key in [1, %#x]\n", DM_KEY_ENV,
			env, INT32_MAX - DM_IDX_MAX);
		return -DER_INVAL;
	}
	*base = v;
	return 0;
}

static int
open_engine(const struct dm_opts *o, key_t key, struct d_tm_reader **r)
{
	int rc = d_tm_reader_open(key, r);

	if (rc == -DER_NONEXIST)
		fprintf(stderr, "daos_metrics: no telemetry for engine %u: no shared memory "
			"segment with key %#x (is the engine running?): " DF_RC "\n", o->do_idx,
			(unsigned)key, DP_RC(rc));
	else if (rc != 0)
		fprintf(stderr, "daos_metrics: cannot read the telemetry of engine %u (shared "
			"memory key %#x): " DF_RC "\n", o->do_idx, (unsigned)key, DP_RC(rc));
	return rc;
}

/* ---- Formatting ---- */

static const char *
type_name(int type)
{
	switch (type & ~D_TM_CLOCK_MASK) {
	case D_TM_COUNTER:
		return "counter";
	case D_TM_TIMESTAMP:
		return "timestamp";
	case D_TM_TIMER_SNAPSHOT:
		return "snapshot";
	case D_TM_DURATION:
		if (type & D_TM_CLOCK_PROCESS_CPUTIME)
			return "duration process";
		if (type & D_TM_CLOCK_THREAD_CPUTIME)
			return "duration thread";
		return "duration realtime";
	case D_TM_GAUGE:
	case D_TM_STATS_GAUGE:
		return "gauge";
	case D_TM_DIRECTORY:
		return "directory";
	default:
		return "unknown";
	}
}

/* A double as the library's CSV prints it: shortest of %.15g/%.17g that reads back. */
static void
fmt_double(double v, char *buf, size_t len)
{
	snprintf(buf, len, "%.15g", v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, len, "%.17g", v);
}

/* The last path component. */
static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s != NULL ? s + 1 : path;
}

static int
path_depth(const char *path)
{
	int n = path[0] != '\0';

	for (const char *p = path; *p != '\0'; p++)
		n += *p == '/';
	return n;
}

struct dm_walk {
	const struct dm_opts *w_o;
	FILE                 *w_out;
	int                   w_base;   /* depth of -p (0: the root, printed as "ID: <idx>") */
	const char           *w_prefix; /* CSV: "ID: <idx>/" */
};

static bool
shown(const struct dm_opts *o, int type)
{
	int base = type & ~D_TM_CLOCK_MASK;

	return o->do_filter == 0 || (o->do_filter & base) != 0;
}

/* -r: now as ctime(3) without its newline, as DAOS prints the time a metric was read. */
static void
read_time(char *buf, size_t len)
{
	time_t clk = time(NULL);
	char   tbuf[64];

	if (ctime_r(&clk, tbuf) == NULL) {
		snprintf(buf, len, "%lld", (long long)clk);
		return;
	}
	tbuf[strcspn(tbuf, "\n")] = '\0';
	snprintf(buf, len, "%s", tbuf);
}

/* The tree line of one node (DAOS's d_tm_print_node). */
static int
tree_cb(const struct d_tm_sample *s, void *arg)
{
	struct dm_walk       *w    = arg;
	const struct dm_opts *o    = w->w_o;
	FILE                 *f    = w->w_out;
	int                   type = s->ts_type & ~D_TM_CLOCK_MASK;
	int                   lvl  = path_depth(s->ts_path) - w->w_base;
	const char           *name = base_name(s->ts_path);
	bool                  stats = false;

	if (type != D_TM_DIRECTORY && !shown(o, type))
		return 0;
	for (int i = 0; i < lvl; i++)
		fputs("    ", f);
	if (type == D_TM_DIRECTORY) {
		fprintf(f, "%-8s\n", name);
		return ferror(f) ? -DER_IO : 0;
	}
	if (o->do_read) {
		char now[64];

		read_time(now, sizeof(now));
		fprintf(f, "%s, ", now);
	}
	if (o->do_type)
		fprintf(f, "type: %s, ", type_name(s->ts_type));
	switch (type) {
	case D_TM_TIMESTAMP: {
		char   tbuf[64];
		time_t clk = (time_t)s->ts_value;

		if ((uint64_t)clk == s->ts_value && ctime_r(&clk, tbuf) != NULL) {
			tbuf[strcspn(tbuf, "\n")] = '\0';
			fprintf(f, "%s: %s", name, tbuf);
		} else {
			fprintf(f, "%s: %" PRIu64, name, s->ts_value);
		}
		break;
	}
	case D_TM_DURATION:
		fprintf(f, "%s: %" PRIu64 " us", name, s->ts_value);
		stats = s->ts_samples > 0;
		break;
	case D_TM_GAUGE:
	case D_TM_STATS_GAUGE:
		stats = s->ts_samples > 0;
		/* fall through */
	default:
		fprintf(f, "%s: %" PRIu64, name, s->ts_value);
		if (s->ts_units[0] != '\0')
			fprintf(f, " %s", s->ts_units);
		break;
	}
	if (stats) {
		fprintf(f, " [min: %" PRIu64 ", max: %" PRIu64 ", avg: %.0f, sum: %" PRIu64,
			s->ts_min, s->ts_max, s->ts_mean, s->ts_sum);
		if (s->ts_samples > 2)
			fprintf(f, ", stddev: %.0f", s->ts_stddev);
		fprintf(f, ", samples: %" PRIu64 "]", s->ts_samples);
	}
	if (o->do_meta) {
		if (s->ts_desc[0] != '\0')
			fprintf(f, ", desc: %s", s->ts_desc);
		if (s->ts_units[0] != '\0')
			fprintf(f, ", units: %s", s->ts_units);
	}
	fputc('\n', f);
	return ferror(f) ? -DER_IO : 0;
}

/* One RFC 4180 field, as the library writes them. */
static void
csv_field(FILE *f, const char *s)
{
	fputc(',', f);
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* A CSV row in d_tm_export_csv()'s format, with the type column of -T. */
static int
csv_cb(const struct d_tm_sample *s, void *arg)
{
	struct dm_walk       *w    = arg;
	const struct dm_opts *o    = w->w_o;
	FILE                 *f    = w->w_out;
	int                   type = s->ts_type & ~D_TM_CLOCK_MASK;
	char                  num[DM_NUM_MAX];

	if (type == D_TM_DIRECTORY || !shown(o, type))
		return 0;
	if (o->do_read) {
		char now[64];

		read_time(now, sizeof(now));
		fprintf(f, "%s,", now);
	}
	fprintf(f, "%s%s", w->w_prefix, s->ts_path);
	if (o->do_type)
		csv_field(f, type_name(s->ts_type));
	fprintf(f, ",%" PRIu64, s->ts_value);
	if (type == D_TM_STATS_GAUGE || type == D_TM_DURATION) {
		fprintf(f, ",%" PRIu64 ",%" PRIu64, s->ts_min, s->ts_max);
		fmt_double(s->ts_mean, num, sizeof(num));
		fprintf(f, ",%s,%" PRIu64 ",%" PRIu64, num, s->ts_samples, s->ts_sum);
		fmt_double(s->ts_stddev, num, sizeof(num));
		fprintf(f, ",%s", num);
	} else if (o->do_meta) {
		fputs(",,,,,,", f);
	}
	if (o->do_meta) {
		csv_field(f, s->ts_desc);
		csv_field(f, s->ts_units);
	}
	fputc('\n', f);
	return ferror(f) ? -DER_IO : 0;
}

/*
 * A stream that puts "ID: <idx>/" before every row d_tm_export_csv() writes
 * (its rows are single lines: paths and the printable ASCII it quotes never
 * hold a line break), except the -M header line.
 */
struct dm_prefix {
	FILE       *px_out;
	const char *px_prefix;
	bool        px_bol;     /* at the beginning of a line */
	bool        px_header;  /* the first line is the header: no prefix */
};

static ssize_t
prefix_write(void *cookie, const char *buf, size_t size)
{
	struct dm_prefix *px = cookie;
	size_t            off = 0;

	while (off < size) {
		const char *nl  = memchr(buf + off, '\n', size - off);
		size_t      len = nl != NULL ? (size_t)(nl - (buf + off)) + 1 : size - off;

		if (px->px_bol && !px->px_header && fputs(px->px_prefix, px->px_out) == EOF)
			return -1;
		if (fwrite(buf + off, 1, len, px->px_out) != len)
			return -1;
		px->px_bol = nl != NULL;
		if (nl != NULL)
			px->px_header = false;
		off += len;
	}
	return (ssize_t)size;
}

/* One round of output; 0, -DER_AGAIN (a node was skipped) or an error (printed). */
static int
print_round(const struct dm_opts *o, struct d_tm_reader *r, bool first)
{
	char           prefix[32];
	struct dm_walk w = {.w_o = o, .w_out = stdout, .w_prefix = prefix};
	int            rc;

	snprintf(prefix, sizeof(prefix), "ID: %u/", o->do_idx);
	w.w_base = path_depth(o->do_path);
	if (!o->do_csv) {
		if (w.w_base == 0)
			printf("ID: %u\n", o->do_idx);
		rc = d_tm_walk(r, o->do_path, tree_cb, &w);
	} else if (o->do_type || o->do_filter != 0 || o->do_read) {
		if (first && o->do_meta)
			printf("%sname,%svalue,min,max,mean,sample_size,sum,std_dev,description,"
			       "units\n", o->do_read ? "timestamp," : "", o->do_type ? "type," : "");
		rc = d_tm_walk(r, o->do_path, csv_cb, &w);
	} else {
		struct dm_prefix         px  = {.px_out = stdout, .px_prefix = prefix,
						.px_bol = true, .px_header = o->do_meta};
		cookie_io_functions_t    fns = {.write = prefix_write};
		FILE                    *f   = fopencookie(&px, "w", fns);

		if (f == NULL) {
			fprintf(stderr, "daos_metrics: out of memory\n");
			return -DER_NOMEM;
		}
		rc = d_tm_export_csv(r, o->do_path, o->do_meta && first, f);
		if (fclose(f) != 0 && (rc == 0 || rc == -DER_AGAIN))
			rc = -DER_IO;
	}
	if (fflush(stdout) != 0 && (rc == 0 || rc == -DER_AGAIN))
		rc = -DER_IO;
	if (rc == -DER_AGAIN)
		fprintf(stderr, "daos_metrics: some metrics were being updated and were "
			"skipped in this round\n");
	else if (rc == -DER_METRIC_NOT_FOUND)
		fprintf(stderr, "daos_metrics: no metric or directory '%s' in the telemetry of "
			"engine %u: " DF_RC "\n", o->do_path, o->do_idx, DP_RC(rc));
	else if (rc == -DER_INVAL || rc == -DER_EXCEEDS_PATH_LEN)
		fprintf(stderr, "daos_metrics: bad path '%s': " DF_RC "\n", o->do_path, DP_RC(rc));
	else if (rc != 0)
		fprintf(stderr, "daos_metrics: cannot read the telemetry of engine %u: " DF_RC
			"\n", o->do_idx, DP_RC(rc));
	return rc;
}

static void
pause_s(uint32_t s)
{
	struct timespec ts = {.tv_sec = (time_t)s};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int
main(int argc, char **argv)
{
	struct d_tm_reader *r = NULL;
	struct dm_opts      o;
	unsigned long       base;
	key_t               key;
	int                 rc;

	if (parse_args(argc, argv, &o) != 0) {
		usage(stderr);
		return 1;
	}
	if (o.do_help) {
		usage(stdout);
		return 0;
	}
	if (key_base(&base) != 0)
		return 1;
	key = (key_t)(base + o.do_idx);
	if (open_engine(&o, key, &r) != 0)
		return 1;
	for (uint64_t i = 0; o.do_iter == 0 || i < o.do_iter; i++) {
		if (i > 0) {
			pause_s(o.do_delay_s);
			if (!o.do_csv)
				putchar('\n');
			if (d_tm_reader_stale(r)) {
				/* The engine restarted: its new segment has the same key. */
				d_tm_reader_close(r);
				r = NULL;
				if (open_engine(&o, key, &r) != 0)
					return 1;
			}
		}
		rc = print_round(&o, r, i == 0);
		if (rc != 0 && rc != -DER_AGAIN) {
			d_tm_reader_close(r);
			return 1;
		}
	}
	d_tm_reader_close(r);
	return 0;
}
