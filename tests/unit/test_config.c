/*
 * test_config.c: the control plane's configuration files (src/control):
 * the YAML tree (yaml_doc.c), daos_server.yml, daos_control.yml and
 * daos_agent.yml. The shipped examples in utils/config must parse with the
 * expected values; defaults; the embedded quick-start default; and every class
 * of mistake, each with its exact message and return code.
 *
 * Messages follow config.h: "<file>:<line>: <keypath>: <problem>", YAML-level
 * ones "<file>:<line>:<col>: ...", whole-file ones "<file>: ...".
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <daos_errno.h>
#include "control/config.h"
#include "control/yaml_doc.h"

#define SRV "daos_server.yml"
#define CTL "daos_control.yml"
#define AGT "daos_agent.yml"

/* Two lines every server config below starts with. */
#define HEAD "transport_config: {allow_insecure: true}\n" \
	     "provider: ofi+tcp\n"

/* One engine (9 lines, starting with "  - targets") on lo with ports from p. */
#define ENGINE(i, p)                                                                       \
	"  - targets: 4\n"                                                                 \
	"    fabric_iface: lo\n"                                                           \
	"    fabric_iface_port: " #p "\n"                                                  \
	"    storage:\n"                                                                   \
	"      - class: ram\n"                                                             \
	"        scm_mount: /tmp/d/scm" #i "\n"                                            \
	"      - class: file\n"                                                            \
	"        bdev_list: [/tmp/d/bdev" #i "]\n"                                         \
	"        bdev_size: 1\n"

static char tmp_dir[64];

/* Every byte zero: what a failed parse and every *_free leave behind. */
static bool
all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t               i;

	for (i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

/* Parse a server config that must be valid; the caller frees it. */
static void
srv_ok(const char *text, struct srv_config *c)
{
	char err[1024] = "untouched";
	int  rc;

	rc = srv_config_parse(text, strlen(text), SRV, c, err, sizeof(err));
	if (rc != 0)
		print_error("unexpected error: %s\n", err);
	assert_int_equal(rc, 0);
	assert_string_equal(err, "");
}

/* Parse a server config that must fail with exactly this code and message. */
static void
srv_bad_len(const char *text, size_t len, int want_rc, const char *want)
{
	struct srv_config c;
	char              err[1024] = "";
	int               rc;

	memset(&c, 0xa5, sizeof(c));
	rc = srv_config_parse(text, len, SRV, &c, err, sizeof(err));
	if (rc != want_rc || strcmp(err, want) != 0)
		print_error("got %d '%s'\nwant %d '%s'\n", rc, err, want_rc, want);
	assert_int_equal(rc, want_rc);
	assert_string_equal(err, want);
	assert_true(all_zero(&c, sizeof(c)));
	srv_config_free(&c);
}

static void
srv_bad(const char *text, const char *want)
{
	srv_bad_len(text, strlen(text), -DER_INVAL, want);
}

static void
ctl_bad(const char *text, const char *want)
{
	struct ctl_config c;
	char              err[1024] = "";
	int               rc;

	rc = ctl_config_parse(text, strlen(text), CTL, &c, err, sizeof(err));
	if (rc != -DER_INVAL || strcmp(err, want) != 0)
		print_error("got %d '%s'\nwant '%s'\n", rc, err, want);
	assert_int_equal(rc, -DER_INVAL);
	assert_string_equal(err, want);
	assert_true(all_zero(&c, sizeof(c)));
	ctl_config_free(&c);
}

static void
agent_bad(const char *text, const char *want)
{
	struct agent_config c;
	char                err[1024] = "";
	int                 rc;

	rc = agent_config_parse(text, strlen(text), AGT, &c, err, sizeof(err));
	if (rc != -DER_INVAL || strcmp(err, want) != 0)
		print_error("got %d '%s'\nwant '%s'\n", rc, err, want);
	assert_int_equal(rc, -DER_INVAL);
	assert_string_equal(err, want);
	assert_true(all_zero(&c, sizeof(c)));
	agent_config_free(&c);
}

/*
 * The shipped examples: utils/config/<name> of the source tree. The tree is
 * found from DAOS_SOURCE_DIR, the current directory (utils/run-tests.sh runs
 * from the top), or __FILE__ (relative to the build root, which holds this
 * program in tests/unit/).
 */
static void
example_path(const char *name, char *out, size_t len)
{
	char        exe[PATH_MAX];
	char        src[PATH_MAX];
	const char *env = getenv("DAOS_SOURCE_DIR");
	ssize_t     n;

	if (env != NULL) {
		snprintf(out, len, "%s/utils/config/%s", env, name);
		if (access(out, R_OK) == 0)
			return;
	}
	snprintf(out, len, "utils/config/%s", name);
	if (access(out, R_OK) == 0)
		return;
	snprintf(src, sizeof(src), "%s", __FILE__);
	if (src[0] == '/') {
		snprintf(out, len, "%s/../../utils/config/%s", dirname(src), name);
		if (access(out, R_OK) == 0)
			return;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	assert_true(n > 0);
	exe[n] = '\0';
	/* <build>/tests/unit/test_config -> <build> */
	snprintf(out, len, "%s/../../../%s/../../utils/config/%s", dirname(exe),
		 dirname(src), name);
	if (access(out, R_OK) != 0)
		fail_msg("cannot find utils/config/%s (set DAOS_SOURCE_DIR)", name);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/test_config.XXXXXX");
	return mkdtemp(tmp_dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

/* CFG01: the shipped daos_server.yml parses with the expected values */
static void
cfg01_example_server(void **state)
{
	struct srv_config            c;
	const struct srv_engine_cfg *e;
	char                         path[PATH_MAX];
	char                         err[512];
	int                          i;

	(void)state;
	example_path("daos_server.yml", path, sizeof(path));
	assert_int_equal(srv_config_load(path, &c, err, sizeof(err)), 0);
	assert_string_equal(c.sc_name, "daos_server");
	assert_int_equal(c.sc_access_points.sl_nr, 1);
	assert_string_equal(c.sc_access_points.sl_items[0], "127.0.0.1:10001");
	assert_int_equal(c.sc_port, 10001);
	assert_true(c.sc_transport.tr_allow_insecure);
	assert_string_equal(c.sc_provider, "ofi+tcp;ofi_rxm");
	assert_string_equal(c.sc_socket_dir, "/tmp/daos/run");
	assert_int_equal(c.sc_control_log_mask, CFG_LOG_INFO);
	assert_string_equal(c.sc_control_log_file, "/tmp/daos/log/daos_server.log");
	assert_int_equal(c.sc_telemetry_port, 9191);
	assert_null(c.sc_fault_path);
	assert_int_equal(c.sc_engines_nr, 2);
	for (i = 0; i < 2; i++) {
		char want[64];

		e = &c.sc_engines[i];
		assert_int_equal(e->ec_targets, 4);
		assert_int_equal(e->ec_nr_xs_helpers, 0);
		assert_true(e->ec_first_core_set);
		assert_int_equal(e->ec_first_core, i);
		assert_false(e->ec_pinned_numa_node_set);
		assert_string_equal(e->ec_fabric_iface, "lo");
		assert_int_equal(e->ec_fabric_iface_port, i == 0 ? 20000 : 21000);
		assert_string_equal(e->ec_provider, "ofi+tcp;ofi_rxm");
		snprintf(want, sizeof(want), "/tmp/daos/log/engine%d.log", i);
		assert_string_equal(e->ec_log_file, want);
		assert_string_equal(e->ec_log_mask, "ERR");
		assert_int_equal(e->ec_env_vars.sl_nr, 1);
		assert_string_equal(e->ec_env_vars.sl_items[0], "CRT_CTX_SHARE_ADDR=0");
		assert_int_equal(e->ec_tiers_nr, 2);
		assert_int_equal(e->ec_tiers[0].tc_class, SRV_TIER_RAM);
		snprintf(want, sizeof(want), "/tmp/daos/scm%d", i);
		assert_string_equal(e->ec_tiers[0].tc_scm_mount, want);
		assert_int_equal(e->ec_tiers[0].tc_scm_size_bytes, 2ull << 30);
		assert_int_equal(e->ec_tiers[1].tc_class, SRV_TIER_FILE);
		assert_int_equal(e->ec_tiers[1].tc_bdev_list.sl_nr, 1);
		snprintf(want, sizeof(want), "/tmp/daos/bdev%d.img", i);
		assert_string_equal(e->ec_tiers[1].tc_bdev_list.sl_items[0], want);
		/* bdev_size is in GB, base 10 */
		assert_int_equal(e->ec_tiers[1].tc_bdev_size_bytes, 8000000000ull);
		assert_int_equal(e->ec_tiers[1].tc_bdev_roles, 0);
	}
	srv_config_free(&c);
	assert_true(all_zero(&c, sizeof(c)));
	srv_config_free(&c); /* a freed config may be freed again */
}

/* CFG02: the shipped daos_control.yml parses; hosts get the control port */
static void
cfg02_example_control(void **state)
{
	struct ctl_config c;
	char              path[PATH_MAX];
	char              err[512];
	char              host[D_HOSTSET_HOST_BUF];

	(void)state;
	example_path("daos_control.yml", path, sizeof(path));
	assert_int_equal(ctl_config_load(path, &c, err, sizeof(err)), 0);
	assert_string_equal(c.cc_name, "daos_server");
	assert_int_equal(c.cc_port, 10001);
	assert_int_equal(c.cc_hostlist.sl_nr, 1);
	assert_string_equal(c.cc_hostlist.sl_items[0], "127.0.0.1");
	assert_int_equal(d_hostset_count(&c.cc_hosts), 1);
	assert_int_equal(d_hostset_get(&c.cc_hosts, 0, host, sizeof(host)), 0);
	assert_string_equal(host, "127.0.0.1:10001");
	assert_true(c.cc_transport.tr_allow_insecure);
	ctl_config_free(&c);
	assert_true(all_zero(&c, sizeof(c)));
}

/* CFG03: the shipped daos_agent.yml parses with the expected values */
static void
cfg03_example_agent(void **state)
{
	struct agent_config c;
	char                path[PATH_MAX];
	char                err[512];

	(void)state;
	example_path("daos_agent.yml", path, sizeof(path));
	assert_int_equal(agent_config_load(path, &c, err, sizeof(err)), 0);
	assert_string_equal(c.ac_name, "daos_server");
	assert_int_equal(c.ac_access_points.sl_nr, 1);
	assert_string_equal(c.ac_access_points.sl_items[0], "127.0.0.1:10001");
	assert_int_equal(c.ac_port, 10001);
	assert_true(c.ac_transport.tr_allow_insecure);
	assert_string_equal(c.ac_runtime_dir, "/tmp/daos/agent");
	assert_string_equal(c.ac_log_file, "/tmp/daos/log/daos_agent.log");
	assert_int_equal(c.ac_control_log_mask, CFG_LOG_INFO);
	assert_false(c.ac_disable_caching);
	assert_int_equal(c.ac_cache_expiration_min, 0);
	agent_config_free(&c);
	assert_true(all_zero(&c, sizeof(c)));
}

/* CFG04: defaults of every optional key (server, engine, tier, faulty) */
static void
cfg04_defaults(void **state)
{
	struct srv_config            c;
	const struct srv_engine_cfg *e;

	(void)state;
	srv_ok(HEAD "engines:\n" ENGINE(0, 20000), &c);
	assert_string_equal(c.sc_name, "daos_server");
	assert_int_equal(c.sc_access_points.sl_nr, 1);
	assert_string_equal(c.sc_access_points.sl_items[0], "localhost:10001");
	assert_int_equal(c.sc_port, 10001);
	assert_string_equal(c.sc_transport.tr_client_cert_dir, "/etc/daos/certs/clients");
	assert_null(c.sc_transport.tr_ca_cert);
	assert_string_equal(c.sc_socket_dir, "/var/run/daos_server");
	assert_int_equal(c.sc_control_log_mask, CFG_LOG_INFO);
	assert_null(c.sc_control_log_file);
	assert_int_equal(c.sc_telemetry_port, 0);
	assert_int_equal(c.sc_core_dump_filter, 0x13);
	assert_int_equal(c.sc_nr_hugepages, 0);
	assert_int_equal(c.sc_system_ram_reserved_bytes, 16ull << 30);
	assert_int_equal(c.sc_crt_timeout_s, 0);
	assert_false(c.sc_disable_vfio || c.sc_disable_vmd || c.sc_enable_hotplug ||
		     c.sc_hyperthreads || c.sc_disable_srx || c.sc_allow_thp ||
		     c.sc_disable_hugepages || c.sc_control_log_json);
	assert_null(c.sc_ctl_metadata.cm_path);
	e = &c.sc_engines[0];
	assert_int_equal(e->ec_nr_xs_helpers, 2);
	assert_false(e->ec_first_core_set);
	assert_false(e->ec_pinned_numa_node_set);
	assert_string_equal(e->ec_log_mask, "ERR");
	assert_null(e->ec_log_file);
	assert_string_equal(e->ec_provider, "ofi+tcp;ofi_rxm"); /* from the global one */
	assert_true(e->ec_auto_faulty.af_enable);
	assert_int_equal(e->ec_auto_faulty.af_max_io_errs, 10);
	assert_int_equal(e->ec_auto_faulty.af_max_csum_errs, UINT32_MAX);
	assert_int_equal(e->ec_tiers[0].tc_scm_size_bytes, 0); /* 0: size automatically */
	srv_config_free(&c);

	/* No engines at all: discovery mode. `key:` alone keeps the default. */
	srv_ok("transport_config:\n  allow_insecure: true\nname:\nport: ~\nengines:\n", &c);
	assert_string_equal(c.sc_name, "daos_server");
	assert_int_equal(c.sc_port, 10001);
	assert_int_equal(c.sc_engines_nr, 0);
	assert_null(c.sc_provider);
	srv_config_free(&c);
}

/* CFG05: the embedded quick-start default passes the same checks */
static void
cfg05_embedded_default(void **state)
{
	struct srv_config c;
	char              longroot[CFG_PATH_MAX];

	(void)state;
	assert_int_equal(srv_config_default(&c, "/var/tmp/daos/"), 0);
	assert_int_equal(c.sc_engines_nr, 2);
	assert_string_equal(c.sc_access_points.sl_items[0], "127.0.0.1:10001");
	assert_true(c.sc_transport.tr_allow_insecure);
	assert_string_equal(c.sc_provider, "ofi+tcp;ofi_rxm");
	assert_int_equal(c.sc_telemetry_port, 9191);
	assert_string_equal(c.sc_socket_dir, "/var/tmp/daos/run");
	assert_string_equal(c.sc_control_log_file, "/var/tmp/daos/log/daos_server.log");
	assert_int_equal(c.sc_engines[0].ec_fabric_iface_port, 20000);
	assert_int_equal(c.sc_engines[1].ec_fabric_iface_port, 21000);
	assert_string_equal(c.sc_engines[1].ec_fabric_iface, "lo");
	assert_string_equal(c.sc_engines[0].ec_tiers[0].tc_scm_mount, "/var/tmp/daos/scm0");
	assert_int_equal(c.sc_engines[0].ec_tiers[0].tc_scm_size_bytes, 1ull << 30);
	assert_int_equal(c.sc_engines[1].ec_tiers[1].tc_class, SRV_TIER_FILE);
	assert_string_equal(c.sc_engines[1].ec_tiers[1].tc_bdev_list.sl_items[0],
			    "/var/tmp/daos/bdev1.img");
	assert_int_equal(c.sc_engines[1].ec_tiers[1].tc_bdev_size_bytes, 2000000000ull);
	assert_string_equal(c.sc_engines[1].ec_log_file, "/var/tmp/daos/log/engine1.log");
	srv_config_free(&c);

	/* A quote in the directory survives YAML quoting. */
	assert_int_equal(srv_config_default(&c, "/tmp/it's here"), 0);
	assert_string_equal(c.sc_engines[0].ec_tiers[0].tc_scm_mount, "/tmp/it's here/scm0");
	srv_config_free(&c);

	/* Bad roots. */
	assert_int_equal(srv_config_default(&c, NULL), -DER_INVAL);
	assert_int_equal(srv_config_default(&c, "relative/dir"), -DER_INVAL);
	assert_int_equal(srv_config_default(&c, "/tmp/a\nb"), -DER_INVAL);
	memset(longroot, 'a', sizeof(longroot) - 1);
	longroot[0]                    = '/';
	longroot[sizeof(longroot) - 1] = '\0';
	assert_int_equal(srv_config_default(&c, longroot), -DER_INVAL);
	assert_true(all_zero(&c, sizeof(c)));
	assert_int_equal(srv_config_default(NULL, "/tmp"), -DER_INVAL);
}

/* CFG06: a full-featured valid config: MD-on-SSD roles, NVMe, hex, flow maps */
static void
cfg06_full_featured(void **state)
{
	struct srv_config            c;
	const struct srv_engine_cfg *e;
	const char                  *text =
	    "name: sys-1.a_b\n"
	    "access_points: [h1, 'h2:10005', h3]\n"
	    "port: 10001\n"
	    "transport_config:\n"
	    "  allow_insecure: False\n"
	    "  ca_cert: /etc/daos/certs/daosCA.crt\n"
	    "  cert: /etc/daos/certs/server.crt\n"
	    "  key: /etc/daos/certs/server.key\n"
	    "socket_dir: /run/daos\n"
	    "control_log_mask: debug\n"
	    "control_metadata: {path: /var/daos/md, device: /dev/sdz}\n"
	    "fault_path: /rack0/host1\n"
	    "core_dump_filter: 0x33\n"
	    "nr_hugepages: 4096\n"
	    "hyperthreads: yes\n"
	    "disable_vmd: on\n"
	    "crt_timeout: 30\n"
	    "bdev_exclude: ['0000:5D:05.5']\n"
	    "client_env_vars: [D_LOG_MASK=DEBUG]\n"
	    "telemetry_port: 9191\n"
	    "engines:\n"
	    "  - targets: 16\n"
	    "    nr_xs_helpers: 4\n"
	    "    pinned_numa_node: 1\n"
	    "    fabric_iface: eth0\n"
	    "    fabric_iface_port: 31416\n"
	    "    provider: ofi+tcp;ofi_rxm\n"
	    "    log_mask: ERR,mgmt=DEBUG\n"
	    "    env_vars: [FI_SOCKETS_MAX_CONN_RETRY=1, EMPTY=]\n"
	    "    env_pass_through: [HOME]\n"
	    "    bdev_auto_faulty: {enable: false, max_io_errs: 5}\n"
	    "    storage:\n"
	    "      - class: ram\n"
	    "        scm_mount: /mnt/daos0\n"
	    "        scm_hugepages_disabled: true\n"
	    "      - class: nvme\n"
	    "        bdev_list: ['0000:81:00.0']\n"
	    "        bdev_roles: [wal]\n"
	    "      - class: nvme\n"
	    "        bdev_list: ['0000:82:00.0', '0000:83:0A.7']\n"
	    "        bdev_roles: [data, META]\n"
	    "        bdev_busid_range: 0x80-0x8f\n";

	(void)state;
	srv_ok(text, &c);
	assert_string_equal(c.sc_name, "sys-1.a_b");
	assert_int_equal(c.sc_access_points.sl_nr, 3);
	assert_string_equal(c.sc_access_points.sl_items[0], "h1:10001");
	assert_string_equal(c.sc_access_points.sl_items[1], "h2:10005");
	assert_false(c.sc_transport.tr_allow_insecure);
	assert_string_equal(c.sc_transport.tr_key, "/etc/daos/certs/server.key");
	assert_null(c.sc_provider);
	assert_int_equal(c.sc_control_log_mask, CFG_LOG_DEBUG);
	assert_string_equal(c.sc_ctl_metadata.cm_path, "/var/daos/md");
	assert_string_equal(c.sc_ctl_metadata.cm_device, "/dev/sdz");
	assert_string_equal(c.sc_fault_path, "/rack0/host1");
	assert_int_equal(c.sc_core_dump_filter, 0x33);
	assert_int_equal(c.sc_nr_hugepages, 4096);
	assert_true(c.sc_hyperthreads);
	assert_true(c.sc_disable_vmd);
	assert_int_equal(c.sc_crt_timeout_s, 30);
	assert_string_equal(c.sc_bdev_exclude.sl_items[0], "0000:5d:05.5"); /* lower case */
	assert_string_equal(c.sc_client_env_vars.sl_items[0], "D_LOG_MASK=DEBUG");
	e = &c.sc_engines[0];
	assert_int_equal(e->ec_nr_xs_helpers, 4);
	assert_true(e->ec_pinned_numa_node_set);
	assert_int_equal(e->ec_pinned_numa_node, 1);
	assert_string_equal(e->ec_provider, "ofi+tcp;ofi_rxm");
	assert_string_equal(e->ec_log_mask, "ERR,mgmt=DEBUG");
	assert_string_equal(e->ec_env_vars.sl_items[1], "EMPTY=");
	assert_string_equal(e->ec_env_pass_through.sl_items[0], "HOME");
	assert_false(e->ec_auto_faulty.af_enable);
	assert_int_equal(e->ec_auto_faulty.af_max_io_errs, 5);
	assert_int_equal(e->ec_tiers_nr, 3);
	assert_true(e->ec_tiers[0].tc_scm_hugepages_disabled);
	assert_int_equal(e->ec_tiers[1].tc_bdev_roles, SRV_ROLE_WAL);
	assert_int_equal(e->ec_tiers[2].tc_bdev_roles, SRV_ROLE_META | SRV_ROLE_DATA);
	assert_string_equal(e->ec_tiers[2].tc_bdev_list.sl_items[1], "0000:83:0a.7");
	assert_string_equal(e->ec_tiers[2].tc_bdev_busid_range, "0x80-0x8f");
	srv_config_free(&c);
}

/* CFG07: class dcpm with one data tier, and class kdev, are accepted */
static void
cfg07_dcpm_kdev(void **state)
{
	struct srv_config c;

	(void)state;
	srv_ok(HEAD "engines:\n"
		    "  - targets: 8\n"
		    "    fabric_iface: ib0\n"
		    "    fabric_iface_port: 20000\n"
		    "    storage:\n"
		    "      - class: dcpm\n"
		    "        scm_mount: /mnt/daos\n"
		    "        scm_list: [/dev/pmem0]\n"
		    "      - class: kdev\n"
		    "        bdev_list: [/dev/sdb, /dev/sdc]\n"
		    "        bdev_roles: [data]\n",
	       &c);
	assert_int_equal(c.sc_engines[0].ec_tiers[0].tc_class, SRV_TIER_DCPM);
	assert_string_equal(c.sc_engines[0].ec_tiers[0].tc_scm_list.sl_items[0], "/dev/pmem0");
	assert_int_equal(c.sc_engines[0].ec_tiers[1].tc_class, SRV_TIER_KDEV);
	assert_int_equal(c.sc_engines[0].ec_tiers[1].tc_bdev_list.sl_nr, 2);
	assert_string_equal(srv_tier_class_name(SRV_TIER_KDEV), "kdev");
	assert_null(srv_tier_class_name(99));
	assert_string_equal(cfg_log_level_name(CFG_LOG_NOTICE), "NOTICE");
	assert_null(cfg_log_level_name(-1));
	srv_config_free(&c);
}

/* CFG08: loading a file gives the same result; messages name the path */
static void
cfg08_load_file(void **state)
{
	struct srv_config c;
	const char       *good = HEAD "engines:\n" ENGINE(0, 20000);
	const char       *bad  = HEAD "port: 70000\n";
	char              path[PATH_MAX];
	char              want[PATH_MAX + 128];
	char              err[PATH_MAX + 128];

	(void)state;
	snprintf(path, sizeof(path), "%s/server.yml", tmp_dir);
	write_file(path, good, strlen(good));
	assert_int_equal(srv_config_load(path, &c, err, sizeof(err)), 0);
	assert_int_equal(c.sc_engines_nr, 1);
	srv_config_free(&c);

	write_file(path, bad, strlen(bad));
	assert_int_equal(srv_config_load(path, &c, err, sizeof(err)), -DER_INVAL);
	snprintf(want, sizeof(want), "%s:3: port: expected an integer in [1, 65535], got '70000'",
		 path);
	assert_string_equal(err, want);
	assert_true(all_zero(&c, sizeof(c)));
}

/* CFG10: an unknown key at the top level, with and without a suggestion */
static void
cfg10_unknown_top(void **state)
{
	(void)state;
	srv_bad("name: daos_server\n"
		"acces_points: [a]\n",
		SRV ":2: unknown key 'acces_points' (did you mean 'access_points'?)");
	srv_bad("name: daos_server\n"
		"bogus: 1\n",
		SRV ":2: unknown key 'bogus'");
	/* Not a typo of anything: a two-letter key gets no suggestion. */
	srv_bad("am: 1\n", SRV ":1: unknown key 'am'");
}

/* CFG11: an unknown key inside an engine */
static void
cfg11_unknown_engine(void **state)
{
	(void)state;
	srv_bad(HEAD "engines:\n" ENGINE(0, 20000) "  - targetz: 4\n",
		SRV ":13: engines[1]: unknown key 'targetz' (did you mean 'targets'?)");
}

/* CFG12: an unknown key inside a storage tier and inside a nested map */
static void
cfg12_unknown_tier(void **state)
{
	(void)state;
	srv_bad(HEAD "engines:\n"
		     "  - targets: 4\n"
		     "    fabric_iface: lo\n"
		     "    fabric_iface_port: 20000\n"
		     "    storage:\n"
		     "      - class: ram\n"
		     "        scm_mnt: /x\n",
		SRV ":9: engines[0].storage[0]: unknown key 'scm_mnt' (did you mean "
		    "'scm_mount'?)");
	srv_bad("transport_config:\n  allow_insecur: true\n",
		SRV ":2: transport_config: unknown key 'allow_insecur' (did you mean "
		    "'allow_insecure'?)");
}

/* CFG13: values of the wrong type */
static void
cfg13_wrong_types(void **state)
{
	(void)state;
	srv_bad(HEAD "engines:\n"
		     "  - targets: abc\n",
		SRV ":4: engines[0].targets: expected an integer in [1, 64], got 'abc'");
	srv_bad("name: [a, b]\n", SRV ":1: name: expected a string, got a list");
	srv_bad("access_points: localhost\n",
		SRV ":1: access_points: expected a list, got 'localhost'");
	srv_bad("transport_config: true\n", SRV ":1: transport_config: expected a map, got 'true'");
	srv_bad("transport_config: {allow_insecure: maybe}\n",
		SRV ":1: transport_config.allow_insecure: expected true or false, got 'maybe'");
	srv_bad("engines: {targets: 1}\n", SRV ":1: engines: expected a list, got a map");
	srv_bad("engines: [5]\n", SRV ":1: engines[0]: expected a map, got '5'");
	srv_bad("control_log_mask: LOUD\n",
		SRV ":1: control_log_mask: expected one of DISABLED, TRACE, DEBUG, INFO, NOTICE, "
		    "ERROR, got 'LOUD'");
	srv_bad("port: {a: 1}\n", SRV ":1: port: expected an integer in [1, 65535], got a map");
	srv_bad("name: ''\n", SRV ":1: name: expected a non-empty string");
	srv_bad("- a\n- b\n", SRV ":1: expected a map of keys at the top level, got a list");
	srv_bad("just text\n", SRV ":1: expected a map of keys at the top level, got 'just text'");
}

/* CFG14: values out of range, and number syntax YAML 1.1 would misread */
static void
cfg14_out_of_range(void **state)
{
	(void)state;
	srv_bad(HEAD "engines:\n"
		     "  - targets: 65\n",
		SRV ":4: engines[0].targets: expected an integer in [1, 64], got '65'");
	srv_bad("port: 0\n", SRV ":1: port: expected an integer in [1, 65535], got '0'");
	srv_bad("port: 65536\n", SRV ":1: port: expected an integer in [1, 65535], got '65536'");
	srv_bad("port: -1\n", SRV ":1: port: expected an integer in [1, 65535], got '-1'");
	srv_bad("port: 010\n", SRV ":1: port: expected an integer in [1, 65535], got '010'");
	srv_bad("port: 99999999999999999999999\n",
		SRV ":1: port: expected an integer in [1, 65535], got '99999999999999999999999'");
	srv_bad("core_dump_filter: 0x200\n",
		SRV ":1: core_dump_filter: expected an integer in [0, 511], got '0x200'");
	srv_bad(HEAD "engines:\n"
		     "  - targets: 4\n"
		     "    nr_xs_helpers: 65\n",
		SRV ":5: engines[0].nr_xs_helpers: expected an integer in [0, 64], got '65'");
	srv_bad(HEAD "engines:\n"
		     "  - storage:\n"
		     "      - class: ram\n"
		     "        scm_size: 65537\n",
		SRV ":6: engines[0].storage[0].scm_size: expected an integer in [0, 65536], got "
		    "'65537'");
	srv_bad(HEAD "engines:\n"
		     "  - storage:\n"
		     "      - class: file\n"
		     "        bdev_size: 0\n",
		SRV ":6: engines[0].storage[0].bdev_size: expected an integer in [1, 1000000], got "
		    "'0'");
	srv_bad("name: abcdefghijklmnop\n",
		SRV ":1: name: 'abcdefghijklmnop' is too long (16 bytes, max 15)");
	srv_bad("access_points: [a, b, c, d, e, f, g, h, i, j, k]\n",
		SRV ":1: access_points: too many items (11, max 9)");
}

/* CFG15: a provider other than TCP names the supported ones */
static void
cfg15_provider(void **state)
{
	(void)state;
	srv_bad("transport_config: {allow_insecure: true}\n"
		"name: daos_server\n"
		"provider: ofi+verbs\n",
		SRV ":3: provider: 'ofi+verbs' is not supported (supported: ofi+tcp, "
		    "ofi+tcp;ofi_rxm)");
	srv_bad(HEAD "engines:\n"
		     "  - provider: ucx+tcp\n",
		SRV ":4: engines[0].provider: 'ucx+tcp' is not supported (supported: ofi+tcp, "
		    "ofi+tcp;ofi_rxm)");
}

/* CFG16: an even number of access points */
static void
cfg16_even_access_points(void **state)
{
	(void)state;
	srv_bad(HEAD "access_points:\n"
		     "  - a\n"
		     "  - b\n",
		SRV ":3: access_points: the number of access points must be odd (got 2)");
	srv_bad(HEAD "access_points: []\n",
		SRV ":3: access_points: expected at least 1 item, got 0");
}

/* CFG17: the same access point twice (the default port makes "a" equal "a:10001") */
static void
cfg17_duplicate_access_point(void **state)
{
	(void)state;
	srv_bad(HEAD "access_points:\n"
		     "  - a\n"
		     "  - b\n"
		     "  - A:10001\n",
		SRV ":6: access_points[2]: duplicate access point 'A:10001' (same as item 0)");
	srv_bad(HEAD "access_points: [x]\nport: 5\naccess_points: [y]\n",
		SRV ":5: duplicate key 'access_points' (first at line 3)");
}

/* CFG18: an access point that is not one valid host[:port] */
static void
cfg18_bad_access_point(void **state)
{
	(void)state;
	srv_bad("access_points: ['node[1-3]']\n",
		SRV ":1: access_points[0]: 'node[1-3]' is not a single host (write one "
		    "host[:port] per item)");
	srv_bad("access_points: ['ho!st']\n",
		SRV ":1: access_points[0]: invalid character '!' at position 3 in 'ho!st'");
	srv_bad("access_points: ['host:0']\n",
		SRV ":1: access_points[0]: invalid port '0' (expected 1-65535, no leading zero) "
		    "in 'host:0'");
}

/* CFG19: a key given twice in one map, at the top and inside an engine */
static void
cfg19_duplicate_key(void **state)
{
	(void)state;
	srv_bad("port: 10001\nname: a\nport: 10002\n",
		SRV ":3: duplicate key 'port' (first at line 1)");
	srv_bad(HEAD "engines:\n"
		     "  - targets: 4\n"
		     "    targets: 5\n",
		SRV ":5: engines[0]: duplicate key 'targets' (first at line 4)");
}

/* CFG20: fabric port ranges that overlap another engine or the server's ports */
static void
cfg20_port_overlap(void **state)
{
	(void)state;
	/* engines[0] owns 20000-20004; engines[1] from 20004 overlaps. */
	srv_bad(HEAD "engines:\n" ENGINE(0, 20000) ENGINE(1, 20004),
		SRV ":15: engines[1].fabric_iface_port: ports 20004-20008 overlap ports "
		    "20000-20004 of engines[0] on interface 'lo'");
	/* The same ports on another interface are fine. */
	{
		struct srv_config c;

		srv_ok(HEAD "engines:\n" ENGINE(0, 20000)
			    "  - targets: 4\n"
			    "    fabric_iface: eth1\n"
			    "    fabric_iface_port: 20000\n"
			    "    storage: [{class: ram, scm_mount: /tmp/d/scm1}]\n",
		       &c);
		srv_config_free(&c);
	}
	srv_bad(HEAD "engines:\n" ENGINE(0, 9998),
		SRV ":6: engines[0].fabric_iface_port: ports 9998-10002 include the control port "
		    "10001");
	srv_bad(HEAD "port: 9000\nengines:\n" ENGINE(0, 9001),
		SRV ":7: engines[0].fabric_iface_port: ports 9001-9005 include the Management "
		    "Service Raft port 9001 (port + 1)");
	srv_bad(HEAD "telemetry_port: 9191\nengines:\n" ENGINE(0, 9190),
		SRV ":7: engines[0].fabric_iface_port: ports 9190-9194 include telemetry_port "
		    "9191");
	srv_bad(HEAD "engines:\n" ENGINE(0, 65533),
		SRV ":6: engines[0].fabric_iface_port: ports 65533-65537 (fabric_iface_port + "
		    "targets) go past 65535");
}

/* CFG21: required keys missing, or given with no value */
static void
cfg21_missing_required(void **state)
{
	(void)state;
	srv_bad(HEAD "engines:\n"
		     "  - fabric_iface: lo\n"
		     "    fabric_iface_port: 20000\n"
		     "    storage: [{class: ram, scm_mount: /a}]\n",
		SRV ":4: engines[0]: missing required key 'targets'");
	srv_bad(HEAD "engines:\n"
		     "  - targets: 4\n"
		     "    fabric_iface_port: 20000\n"
		     "    storage: [{class: ram, scm_mount: /a}]\n",
		SRV ":4: engines[0]: missing required key 'fabric_iface'");
	srv_bad(HEAD "engines:\n"
		     "  - targets: 4\n"
		     "    fabric_iface: lo\n"
		     "    fabric_iface_port: 20000\n",
		SRV ":4: engines[0]: missing required key 'storage'");
	srv_bad(HEAD "engines:\n"
		     "  - targets:\n",
		SRV ":4: engines[0].targets: a value is required");
	srv_bad(HEAD "engines:\n"
		     "  - storage: [{scm_mount: /a}]\n",
		SRV ":4: engines[0].storage[0]: missing required key 'class'");
	srv_bad(HEAD "engines:\n"
		     "  - storage: []\n",
		SRV ":4: engines[0].storage: expected at least 1 item, got 0");
}

/* CFG22: an engine log_mask that the log cannot parse */
static void
cfg22_bad_log_mask(void **state)
{
	(void)state;
	srv_bad(HEAD "engines:\n"
		     "  - log_mask: ERR,mgmt=LOUD\n",
		SRV ":4: engines[0].log_mask: unknown log level 'LOUD' in 'ERR,mgmt=LOUD'");
	srv_bad(HEAD "engines:\n"
		     "  - log_mask: nofac=DEBUG\n",
		SRV ":4: engines[0].log_mask: unknown facility 'nofac' in 'nofac=DEBUG'");
}

/* CFG23: env_vars that are not NAME=VALUE, bad names, quotes */
static void
cfg23_bad_env(void **state)
{
	(void)state;
	srv_bad(HEAD "engines:\n"
		     "  - env_vars: [A=1, FOO]\n",
		SRV ":4: engines[0].env_vars[1]: 'FOO' is not of the form NAME=VALUE");
	srv_bad(HEAD "engines:\n"
		     "  - env_vars: [1A=x]\n",
		SRV ":4: engines[0].env_vars[0]: '1A=x' does not start with a valid variable name");
	srv_bad(HEAD "engines:\n"
		     "  - env_vars: ['FOO=\"bar\"']\n",
		SRV ":4: engines[0].env_vars[0]: 'FOO=\"bar\"' contains a quote character (write "
		    "NAME=VALUE without quotes)");
	srv_bad(HEAD "engines:\n"
		     "  - env_pass_through: [OK, BAD-NAME]\n",
		SRV ":4: engines[0].env_pass_through[1]: 'BAD-NAME' is not a valid variable name");
	srv_bad("client_env_vars: [=x]\n",
		SRV ":1: client_env_vars[0]: '=x' does not start with a valid variable name");
	srv_bad(HEAD "engines:\n"
		     "  - env_vars: [A=1, A=1]\n",
		SRV ":4: engines[0].env_vars[1]: duplicate entry 'A=1' (also item 0)");
}

/* CFG24: tier class rules: tier 0 ram/dcpm, later tiers bdev, keys per class */
static void
cfg24_tier_classes(void **state)
{
	(void)state;
	srv_bad(HEAD "engines:\n"
		     "  - targets: 4\n"
		     "    fabric_iface: lo\n"
		     "    fabric_iface_port: 20000\n"
		     "    storage:\n"
		     "      - class: file\n"
		     "        bdev_list: [/a]\n"
		     "        bdev_size: 1\n",
		SRV ":8: engines[0].storage[0]: tier 0 must be class 'ram' or 'dcpm', got 'file'");
	srv_bad(HEAD "engines:\n"
		     "  - targets: 4\n"
		     "    fabric_iface: lo\n"
		     "    fabric_iface_port: 20000\n"
		     "    storage:\n"
		     "      - class: ram\n"
		     "        scm_mount: /a\n"
		     "      - class: ram\n"
		     "        scm_mount: /b\n",
		SRV ":10: engines[0].storage[1]: tiers after the first must be class 'file', "
		    "'kdev' or 'nvme', got 'ram'");
	srv_bad(HEAD "engines:\n"
		     "  - targets: 4\n"
		     "    fabric_iface: lo\n"
		     "    fabric_iface_port: 20000\n"
		     "    storage:\n"
		     "      - class: ram\n"
		     "        scm_mount: /a\n"
		     "        bdev_list: [/b]\n",
		SRV ":10: engines[0].storage[0]: key 'bdev_list' is not valid for class 'ram'");
	srv_bad(HEAD "engines:\n"
		     "  - targets: 4\n"
		     "    fabric_iface: lo\n"
		     "    fabric_iface_port: 20000\n"
		     "    storage:\n"
		     "      - class: ram\n"
		     "        scm_size: 4\n",
		SRV ":8: engines[0].storage[0]: missing required key 'scm_mount' (class 'ram')");
	srv_bad(HEAD "engines:\n"
		     "  - storage:\n"
		     "      - class: ssd\n",
		SRV ":5: engines[0].storage[0].class: expected one of ram, dcpm, file, kdev, nvme, "
		    "got 'ssd'");
	srv_bad(HEAD "engines:\n"
		     "  - storage: [{class: ram}, {class: file}, {class: file}, {class: file},\n"
		     "              {class: file}]\n",
		SRV ":4: engines[0].storage: too many items (5, max 4)");
	srv_bad(HEAD "engines:\n"
		     "  - targets: 4\n"
		     "    fabric_iface: lo\n"
		     "    fabric_iface_port: 20000\n"
		     "    storage:\n"
		     "      - class: ram\n"
		     "        scm_mount: /a\n"
		     "      - class: file\n"
		     "        bdev_list: []\n"
		     "        bdev_size: 1\n",
		SRV ":11: engines[0].storage[1].bdev_list: expected at least 1 item, got 0");
	srv_bad(HEAD "engines:\n"
		     "  - targets: 4\n"
		     "    fabric_iface: lo\n"
		     "    fabric_iface_port: 20000\n"
		     "    storage:\n"
		     "      - class: ram\n"
		     "        scm_mount: /a\n"
		     "      - class: file\n"
		     "        bdev_list: [rel/file]\n"
		     "        bdev_size: 1\n",
		SRV ":11: engines[0].storage[1].bdev_list[0]: 'rel/file' is not an absolute path");
	srv_bad(HEAD "engines:\n"
		     "  - storage:\n"
		     "      - class: ram\n"
		     "        scm_mount: tmp/x\n",
		SRV ":6: engines[0].storage[0].scm_mount: 'tmp/x' is not an absolute path");
}

/* CFG25: class file without bdev_size */
static void
cfg25_file_needs_size(void **state)
{
	(void)state;
	srv_bad(HEAD "engines:\n"
		     "  - targets: 4\n"
		     "    fabric_iface: lo\n"
		     "    fabric_iface_port: 20000\n"
		     "    storage:\n"
		     "      - class: ram\n"
		     "        scm_mount: /a\n"
		     "      - class: file\n"
		     "        bdev_list: [/b]\n",
		SRV ":10: engines[0].storage[1]: missing required key 'bdev_size' (class 'file')");
	srv_bad(HEAD "engines:\n"
		     "  - targets: 4\n"
		     "    fabric_iface: lo\n"
		     "    fabric_iface_port: 20000\n"
		     "    storage:\n"
		     "      - class: ram\n"
		     "        scm_mount: /a\n"
		     "      - class: file\n"
		     "        bdev_list: [/b]\n"
		     "        bdev_size:\n",
		SRV ":10: engines[0].storage[1]: missing required key 'bdev_size' (class 'file')");
}

/* CFG26: what engines must not share: scm_mount, bdev files, log files */
static void
cfg26_shared_resources(void **state)
{
	(void)state;
	srv_bad(HEAD "engines:\n" ENGINE(0, 20000) ENGINE(0, 21000),
		SRV ":18: engines[1].storage[0].scm_mount: '/tmp/d/scm0' is also the scm_mount of "
		    "engines[0]");
	srv_bad(HEAD "engines:\n" ENGINE(0, 20000)
		     "  - targets: 4\n"
		     "    fabric_iface: lo\n"
		     "    fabric_iface_port: 21000\n"
		     "    storage:\n"
		     "      - class: ram\n"
		     "        scm_mount: /tmp/d/scm1\n"
		     "      - class: file\n"
		     "        bdev_list: [/tmp/d/x, /tmp/d/bdev0]\n"
		     "        bdev_size: 1\n",
		SRV ":20: engines[1].storage[1].bdev_list[1]: '/tmp/d/bdev0' is also used by "
		    "engines[0].storage[1]");
	srv_bad(HEAD "engines:\n"
		     "  - targets: 4\n"
		     "    fabric_iface: lo\n"
		     "    fabric_iface_port: 20000\n"
		     "    log_file: /tmp/e.log\n"
		     "    storage: [{class: ram, scm_mount: /a}]\n"
		     "  - targets: 4\n"
		     "    fabric_iface: lo\n"
		     "    fabric_iface_port: 21000\n"
		     "    log_file: /tmp/e.log\n"
		     "    storage: [{class: ram, scm_mount: /b}]\n",
		SRV ":12: engines[1].log_file: '/tmp/e.log' is also the log_file of engines[0]");
	/* The same device in two tiers of one engine. */
	srv_bad(HEAD "engines:\n"
		     "  - targets: 4\n"
		     "    fabric_iface: lo\n"
		     "    fabric_iface_port: 20000\n"
		     "    storage:\n"
		     "      - {class: ram, scm_mount: /a}\n"
		     "      - {class: nvme, bdev_list: ['0000:81:00.0'], bdev_roles: [wal]}\n"
		     "      - {class: nvme, bdev_list: ['0000:81:00.0'], bdev_roles: [meta, data]}\n"
		     "control_metadata: {path: /md}\n",
		SRV ":10: engines[0].storage[2].bdev_list[0]: '0000:81:00.0' is also used by "
		    "engines[0].storage[1]");
}

/* CFG27: a bad PCI address (nvme bdev_list, bdev_exclude) and bus range */
static void
cfg27_bad_pci(void **state)
{
	(void)state;
	srv_bad(HEAD "engines:\n"
		     "  - targets: 4\n"
		     "    fabric_iface: lo\n"
		     "    fabric_iface_port: 20000\n"
		     "    storage:\n"
		     "      - class: ram\n"
		     "        scm_mount: /a\n"
		     "      - class: nvme\n"
		     "        bdev_list: ['0000:81:00.0', '0000:81:20.0']\n",
		SRV ":11: engines[0].storage[1].bdev_list[1]: '0000:81:20.0' is not a PCI address "
		    "(expected DDDD:BB:DD.F, e.g. 0000:81:00.0)");
	srv_bad("bdev_exclude: ['81:00.0']\n",
		SRV ":1: bdev_exclude[0]: '81:00.0' is not a PCI address (expected DDDD:BB:DD.F, "
		    "e.g. 0000:81:00.0)");
	srv_bad(HEAD "engines:\n"
		     "  - storage:\n"
		     "      - class: nvme\n"
		     "        bdev_busid_range: 0x90-0x80\n",
		SRV ":6: engines[0].storage[0].bdev_busid_range: '0x90-0x80' is not a PCI bus "
		    "range (expected e.g. 0x80-0x8f)");
}

/* CFG28: YAML syntax errors give libyaml's reason with 1-based line and column */
static void
cfg28_yaml_syntax(void **state)
{
	(void)state;
	srv_bad("name: x\n  port: 1\n",
		SRV ":2:7: YAML syntax error: mapping values are not allowed in this context");
	srv_bad("access_points: [a, b\nport: 1\n",
		SRV ":2:5: YAML syntax error: did not find expected ',' or ']' (while parsing a "
		    "flow sequence at line 1, column 16)");
	srv_bad("name: x\n\tport: 1\n",
		SRV ":2:1: YAML syntax error: found a tab character that violates indentation "
		    "(while scanning a plain scalar at line 1, column 7)");
	srv_bad("name: 'x\n",
		SRV ":2:1: YAML syntax error: found unexpected end of stream (while scanning a "
		    "quoted scalar at line 1, column 7)");
	srv_bad("a: 1\n---\nb: 2\n", SRV ":2:1: more than one YAML document (only one is allowed)");
	srv_bad("? [a]\n: 1\n", SRV ":1:3: a map key must be a scalar, got a list");
}

/* CFG29: anchors, aliases and tags are refused */
static void
cfg29_alias_anchor_tag(void **state)
{
	(void)state;
	srv_bad("base: &b 10001\nport: *b\n",
		SRV ":1:7: YAML anchor '&b' is not supported in configuration files");
	srv_bad("port: *b\n", SRV ":1:7: YAML alias '*b' is not supported in configuration files");
	srv_bad("port: !!int 10001\n",
		SRV ":1:7: YAML tag 'tag:yaml.org,2002:int' is not supported in configuration "
		    "files");
	srv_bad("engines: !custom [1]\n",
		SRV ":1:10: YAML tag '!custom' is not supported in configuration files");
}

/* CFG30: an empty file, or one with only comments and blank lines */
static void
cfg30_empty(void **state)
{
	(void)state;
	srv_bad("", SRV ": no configuration in the file (it is empty or only comments)");
	srv_bad("# nothing here\n\n   \n",
		SRV ": no configuration in the file (it is empty or only comments)");
	srv_bad_len(NULL, 0, -DER_INVAL,
		    SRV ": no configuration in the file (it is empty or only comments)");
	srv_bad("---\n...\n", SRV ": no configuration in the file (it is empty or only comments)");
}

/* CFG31: input above YDOC_BUF_MAX, as a buffer and as a file; exactly the limit is read */
static void
cfg31_huge(void **state)
{
	struct srv_config c;
	char             *big;
	char              path[PATH_MAX];
	char              want[PATH_MAX + 128];
	char              err[PATH_MAX + 128];

	(void)state;
	big = malloc(YDOC_BUF_MAX + 1);
	assert_non_null(big);
	memset(big, ' ', YDOC_BUF_MAX + 1);
	big[0] = '#';
	srv_bad_len(big, YDOC_BUF_MAX + 1, -DER_INVAL,
		    SRV ": too large (1048577 bytes, max 1048576)");
	/* Exactly the limit: read and parsed (a comment, so no configuration). */
	snprintf(path, sizeof(path), "%s/big.yml", tmp_dir);
	write_file(path, big, YDOC_BUF_MAX);
	assert_int_equal(srv_config_load(path, &c, err, sizeof(err)), -DER_INVAL);
	snprintf(want, sizeof(want),
		 "%s: no configuration in the file (it is empty or only comments)", path);
	assert_string_equal(err, want);
	write_file(path, big, YDOC_BUF_MAX + 1);
	assert_int_equal(srv_config_load(path, &c, err, sizeof(err)), -DER_INVAL);
	snprintf(want, sizeof(want), "%s: too large (1048577 bytes, max 1048576)", path);
	assert_string_equal(err, want);
	free(big);
}

/* CFG32: bytes that are not UTF-8 text, control characters, NUL */
static void
cfg32_not_text(void **state)
{
	static const char junk[] = "\x80\x81\xfe\xff garbage";
	static const char nul[]  = "name: a\0b\n";
	static const char esc[]  = "name: \"a\\0b\"\n";
	static const char ctl[]  = "name: \"a\\tb\"\n";

	(void)state;
	srv_bad_len(junk, sizeof(junk) - 1, -DER_INVAL,
		    SRV ":1:1: not valid text: invalid leading UTF-8 octet (byte 0x80)");
	srv_bad_len("port: 1\nname: \xc3\x28\n", 16, -DER_INVAL,
		    SRV ":2:8: not valid text: invalid trailing UTF-8 octet (byte 0x28)");
	srv_bad_len(nul, sizeof(nul) - 1, -DER_INVAL,
		    SRV ":1:8: not valid text: control characters are not allowed (byte 0x00)");
	/* A NUL written as an escape is refused too: values are C strings. */
	srv_bad_len(esc, sizeof(esc) - 1, -DER_INVAL,
		    SRV ":1:7: name: a value contains a NUL character");
	srv_bad_len(ctl, sizeof(ctl) - 1, -DER_INVAL,
		    SRV ":1: name: 'a?b' contains a control character");
}

/* CFG33: a missing file, a directory, an unreadable file */
static void
cfg33_file_errors(void **state)
{
	struct srv_config c;
	char              path[PATH_MAX];
	char              want[PATH_MAX + 128];
	char              err[PATH_MAX + 128];
	pid_t             pid;
	int               status;

	(void)state;
	snprintf(path, sizeof(path), "%s/none.yml", tmp_dir);
	assert_int_equal(srv_config_load(path, &c, err, sizeof(err)), -DER_NONEXIST);
	snprintf(want, sizeof(want), "%s: cannot open: No such file or directory", path);
	assert_string_equal(err, want);
	assert_true(all_zero(&c, sizeof(c)));

	assert_int_equal(srv_config_load(tmp_dir, &c, err, sizeof(err)), -DER_INVAL);
	snprintf(want, sizeof(want), "%s: is a directory, not a file", tmp_dir);
	assert_string_equal(err, want);

	assert_int_equal(srv_config_load("/dev/null", &c, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "/dev/null: not a regular file");

	/* Unreadable: root reads anything, so drop to "nobody" in a child. */
	snprintf(path, sizeof(path), "%s/secret.yml", tmp_dir);
	write_file(path, "port: 1\n", 8);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(chmod(tmp_dir, 0755), 0);
	if (geteuid() != 0)
		assert_int_equal(chmod(path, 0), 0);
	snprintf(want, sizeof(want), "%s: cannot open: Permission denied", path);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
			_exit(2);
		if (srv_config_load(path, &c, err, sizeof(err)) != -DER_NO_PERM)
			_exit(3);
		_exit(strcmp(err, want) == 0 ? 0 : 4);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 2) {
		/* Root without CAP_SETUID (some containers): nothing is unreadable to us. */
		print_message("cannot drop to uid 65534: unreadable-file case not run\n");
		skip();
	}
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* CFG34: a secure transport without its certificates */
static void
cfg34_transport(void **state)
{
	(void)state;
	srv_bad("name: a\n", SRV ":1: transport_config: ca_cert is required unless allow_insecure "
			     "is true");
	srv_bad("name: a\n"
		"transport_config:\n"
		"  ca_cert: /c/ca.crt\n"
		"  cert: /c/server.crt\n",
		SRV ":2: transport_config: key is required unless allow_insecure is true");
}

/* CFG35: first_core and pinned_numa_node together */
static void
cfg35_core_xor_numa(void **state)
{
	(void)state;
	srv_bad(HEAD "engines:\n"
		     "  - targets: 4\n"
		     "    first_core: 0\n"
		     "    pinned_numa_node: 1\n"
		     "    fabric_iface: lo\n"
		     "    fabric_iface_port: 20000\n"
		     "    storage: [{class: ram, scm_mount: /a}]\n",
		SRV ":6: engines[0]: first_core and pinned_numa_node cannot both be set");
}

/* CFG36: engines but no provider anywhere */
static void
cfg36_no_provider(void **state)
{
	(void)state;
	srv_bad("transport_config: {allow_insecure: true}\n"
		"engines:\n" ENGINE(0, 20000),
		SRV ":3: engines[0]: no provider (set 'provider' at the top level or in the engine; "
		    "supported: ofi+tcp, ofi+tcp;ofi_rxm)");
}

/* An engine (lines 3-9 after HEAD) with ram tier 0 and the bdev tiers given. */
#define ROLES_ENGINE(tiers)                                                                \
	HEAD "engines:\n"                                                                  \
	     "  - targets: 4\n"                                                            \
	     "    fabric_iface: lo\n"                                                      \
	     "    fabric_iface_port: 20000\n"                                              \
	     "    storage:\n"                                                              \
	     "      - {class: ram, scm_mount: /a}\n" tiers

/* CFG37: bdev_roles rules */
static void
cfg37_bdev_roles(void **state)
{
	struct srv_config c;

	(void)state;
	srv_bad(ROLES_ENGINE("      - {class: nvme, bdev_list: ['0000:81:00.0'], bdev_roles: [wal]}\n"
			     "      - {class: nvme, bdev_list: ['0000:82:00.0']}\n"),
		SRV ":10: engines[0].storage[2]: bdev_roles must be set on every bdev tier or on "
		    "none");
	srv_bad(ROLES_ENGINE("      - {class: nvme, bdev_list: ['0000:81:00.0'], "
			     "bdev_roles: [wal, data]}\n"),
		SRV ":9: engines[0].storage[1].bdev_roles: 'wal' and 'data' may share a tier only "
		    "together with 'meta'");
	srv_bad(ROLES_ENGINE("      - {class: nvme, bdev_list: ['0000:81:00.0'], "
			     "bdev_roles: [wal, meta]}\n"
			     "      - {class: nvme, bdev_list: ['0000:82:00.0'], "
			     "bdev_roles: [meta, data]}\n"),
		SRV ":10: engines[0].storage[2].bdev_roles: role 'meta' is already assigned to "
		    "storage[1]");
	srv_bad(ROLES_ENGINE("      - {class: nvme, bdev_list: ['0000:81:00.0'], "
			     "bdev_roles: [meta, data]}\n"),
		SRV ":7: engines[0].storage: role 'wal' is not assigned to any tier");
	srv_bad(ROLES_ENGINE("      - {class: nvme, bdev_list: ['0000:81:00.0'], "
			     "bdev_roles: [wal, meta, data]}\n"),
		SRV ":7: engines[0].storage: bdev_roles (MD-on-SSD) need control_metadata.path to "
		    "be set");
	srv_bad(ROLES_ENGINE("      - {class: nvme, bdev_list: ['0000:81:00.0']}\n"
			     "      - {class: nvme, bdev_list: ['0000:82:00.0']}\n"),
		SRV ":7: engines[0].storage: bdev_roles are required when an engine has more than "
		    "one bdev tier");
	srv_bad(ROLES_ENGINE("      - {class: nvme, bdev_list: ['0000:81:00.0'], "
			     "bdev_roles: [wal, wal]}\n"),
		SRV ":9: engines[0].storage[1].bdev_roles[1]: 'wal' is given twice");
	srv_bad(ROLES_ENGINE("      - {class: nvme, bdev_list: ['0000:81:00.0'], "
			     "bdev_roles: [log]}\n"),
		SRV ":9: engines[0].storage[1].bdev_roles[0]: expected one of wal, meta, data, got "
		    "'log'");
	/* dcpm: one bdev tier at most, role data only. */
	srv_bad(HEAD "engines:\n"
		     "  - targets: 4\n"
		     "    fabric_iface: lo\n"
		     "    fabric_iface_port: 20000\n"
		     "    storage:\n"
		     "      - {class: dcpm, scm_mount: /a, scm_list: [/dev/pmem0]}\n"
		     "      - {class: nvme, bdev_list: ['0000:81:00.0'], bdev_roles: [meta]}\n",
		SRV ":9: engines[0].storage[1].bdev_roles: with class 'dcpm' the only role allowed "
		    "is 'data'");
	srv_bad(HEAD "engines:\n"
		     "  - targets: 4\n"
		     "    fabric_iface: lo\n"
		     "    fabric_iface_port: 20000\n"
		     "    storage:\n"
		     "      - {class: dcpm, scm_mount: /a, scm_list: [/dev/pmem0]}\n"
		     "      - {class: nvme, bdev_list: ['0000:81:00.0']}\n"
		     "      - {class: nvme, bdev_list: ['0000:82:00.0']}\n",
		SRV ":7: engines[0].storage: with class 'dcpm' only one bdev tier is allowed (got "
		    "2)");
	/* One tier with all roles and control_metadata: the common MD-on-SSD layout. */
	srv_ok(ROLES_ENGINE("      - {class: nvme, bdev_list: ['0000:81:00.0'], "
			    "bdev_roles: [wal, meta, data]}\n") "control_metadata: {path: /md}\n",
	       &c);
	assert_int_equal(c.sc_engines[0].ec_tiers[1].tc_bdev_roles, SRV_ROLE_ALL);
	srv_config_free(&c);
}

/* CFG38: fault_path form, and fault_path with fault_cb */
static void
cfg38_fault_path(void **state)
{
	(void)state;
	srv_bad("fault_path: rack1/host\n",
		SRV ":1: fault_path: 'rack1/host' is not a fault domain path (expected e.g. "
		    "/rack1/host1)");
	srv_bad("fault_path: /rack1//host\n", SRV ":1: fault_path: '/rack1//host' has an empty level");
	srv_bad("fault_path: /rack1/\n", SRV ":1: fault_path: '/rack1/' has an empty level");
	srv_bad("fault_path: /a/b/c/d/e/f/g/h/i\n",
		SRV ":1: fault_path: '/a/b/c/d/e/f/g/h/i' has 9 levels (max 8)");
	srv_bad(HEAD "fault_path: /r/h\nfault_cb: /usr/bin/fd.sh\n",
		SRV ":4: fault_cb: fault_path and fault_cb cannot both be set");
}

/* CFG39: too many engines */
static void
cfg39_too_many_engines(void **state)
{
	char  *text;
	size_t cap = 64 * 1024, n;
	int    i;

	(void)state;
	text = malloc(cap);
	assert_non_null(text);
	n = (size_t)snprintf(text, cap, HEAD "engines:\n");
	for (i = 0; i <= SRV_ENGINES_MAX; i++)
		n += (size_t)snprintf(text + n, cap - n, "  - {targets: 1}\n");
	srv_bad(text, SRV ":4: engines: too many items (17, max 16)");
	free(text);
}

/* CFG40: a bad system name */
static void
cfg40_bad_name(void **state)
{
	(void)state;
	srv_bad("name: my system\n",
		SRV ":1: name: 'my system' is not a valid system name (use letters, digits, '_', "
		    "'.' and '-')");
	srv_bad("name: 'a/b'\n",
		SRV ":1: name: 'a/b' is not a valid system name (use letters, digits, '_', '.' "
		    "and '-')");
}

/* CFG41: telemetry_port equal to the control port or its Raft port */
static void
cfg41_telemetry_port(void **state)
{
	(void)state;
	srv_bad(HEAD "telemetry_port: 10001\n",
		SRV ":3: telemetry_port: 10001 is also the control port (port)");
	srv_bad(HEAD "telemetry_port: 10002\n",
		SRV ":3: telemetry_port: 10002 is the Management Service Raft port (port + 1)");
	srv_bad("telemetry_port: 65536\n",
		SRV ":1: telemetry_port: expected an integer in [0, 65535], got '65536'");
}

/* CFG42: YAML tree limits: nesting depth, items per list, nodes per document */
static void
cfg42_tree_limits(void **state)
{
	char  *text;
	size_t cap = 256 * 1024, n = 0;
	int    i, j;

	(void)state;
	text = malloc(cap);
	assert_non_null(text);
	/* The root map and 15 lists nest fine; the 16th list is one too many. */
	n = (size_t)snprintf(text, cap, "a: ");
	for (i = 0; i < 16; i++)
		text[n++] = '[';
	text[n] = '\0';
	srv_bad(text, SRV ":1:19: nesting deeper than 16 levels");

	n = (size_t)snprintf(text, cap, "a: [");
	for (i = 0; i <= YDOC_ITEMS_MAX; i++)
		n += (size_t)snprintf(text + n, cap - n, "0,");
	text[n - 1] = ']';
	text[n]     = '\0';
	/* Item 1025 is at column 5 + 2 * 1024. */
	srv_bad(text, SRV ":1:2053: more than 1024 items in one list");

	/* 17 keys of 1000 items: the 16385th node is item 349 of the 17th list. */
	n = 0;
	for (i = 0; i < 17; i++) {
		n += (size_t)snprintf(text + n, cap - n, "k%d: [", i);
		for (j = 0; j < 1000; j++)
			n += (size_t)snprintf(text + n, cap - n, "0,");
		n += (size_t)snprintf(text + n - 1, cap - n + 1, "]\n") - 1;
	}
	srv_bad(text, SRV ":17:705: more than 16384 nodes in the document");
	free(text);
}

/* CFG43: dcpm needs exactly one namespace; kdev needs /dev paths */
static void
cfg43_dcpm_kdev_rules(void **state)
{
	(void)state;
	srv_bad(HEAD "engines:\n"
		     "  - targets: 4\n"
		     "    fabric_iface: lo\n"
		     "    fabric_iface_port: 20000\n"
		     "    storage:\n"
		     "      - class: dcpm\n"
		     "        scm_mount: /a\n"
		     "        scm_list: [/dev/pmem0, /dev/pmem1]\n",
		SRV ":10: engines[0].storage[0].scm_list: expected exactly one PMem namespace "
		    "(/dev/pmemN), got 2");
	srv_bad(HEAD "engines:\n"
		     "  - targets: 4\n"
		     "    fabric_iface: lo\n"
		     "    fabric_iface_port: 20000\n"
		     "    storage:\n"
		     "      - class: dcpm\n"
		     "        scm_mount: /a\n",
		SRV ":8: engines[0].storage[0]: missing required key 'scm_list' (class 'dcpm')");
	srv_bad(HEAD "engines:\n"
		     "  - targets: 4\n"
		     "    fabric_iface: lo\n"
		     "    fabric_iface_port: 20000\n"
		     "    storage:\n"
		     "      - {class: ram, scm_mount: /a}\n"
		     "      - {class: kdev, bdev_list: [/tmp/sdb]}\n",
		SRV ":9: engines[0].storage[1].bdev_list[0]: '/tmp/sdb' is not a block device path "
		    "(expected /dev/...)");
	srv_bad(HEAD "engines:\n"
		     "  - fabric_iface: 'eth 0'\n",
		SRV ":4: engines[0].fabric_iface: 'eth 0' is not a valid network interface name");
	srv_bad(HEAD "engines:\n"
		     "  - fabric_iface: a_very_long_interface\n",
		SRV ":4: engines[0].fabric_iface: 'a_very_long_interface' is too long (21 bytes, "
		    "max 15)");
}

/* CFG44: a NULL or tiny errbuf is safe; free of a zeroed config is a no-op */
static void
cfg44_errbuf_safety(void **state)
{
	struct srv_config c;
	char              tiny[8];

	(void)state;
	assert_int_equal(srv_config_parse("port: 0\n", 8, SRV, &c, NULL, 0), -DER_INVAL);
	memset(tiny, 'x', sizeof(tiny));
	assert_int_equal(srv_config_parse("port: 0\n", 8, SRV, &c, tiny, sizeof(tiny)),
			 -DER_INVAL);
	assert_string_equal(tiny, "daos_se");
	assert_int_equal(srv_config_parse("port: 0\n", 8, SRV, NULL, tiny, sizeof(tiny)),
			 -DER_INVAL);
	memset(&c, 0, sizeof(c));
	srv_config_free(&c);
	srv_config_free(NULL);
	/* A NULL name gives the default name in messages. */
	assert_int_equal(srv_config_parse("port: 0\n", 8, NULL, &c, tiny, sizeof(tiny)),
			 -DER_INVAL);
	assert_string_equal(tiny, "daos_se");
}

/* CFG50: daos_control.yml: ranges expanded, ports added, defaults */
static void
cfg50_control_good(void **state)
{
	struct ctl_config c;
	char              err[512];
	char              host[D_HOSTSET_HOST_BUF];
	const char       *text = "name: sys1\n"
				 "port: 10005\n"
				 "hostlist: ['node[1-3]', 'io-[01-02]:10001', 10.8.1.20]\n"
				 "transport_config:\n"
				 "  ca_cert: /etc/daos/certs/daosCA.crt\n"
				 "  cert: /etc/daos/certs/admin.crt\n"
				 "  key: /etc/daos/certs/admin.key\n";

	(void)state;
	assert_int_equal(ctl_config_parse(text, strlen(text), CTL, &c, err, sizeof(err)), 0);
	assert_string_equal(c.cc_name, "sys1");
	assert_int_equal(c.cc_hostlist.sl_nr, 3);
	assert_int_equal(d_hostset_count(&c.cc_hosts), 6);
	assert_true(d_hostset_contains(&c.cc_hosts, "node2:10005"));
	assert_true(d_hostset_contains(&c.cc_hosts, "io-02:10001"));
	assert_true(d_hostset_contains(&c.cc_hosts, "10.8.1.20:10005"));
	assert_false(c.cc_transport.tr_allow_insecure);
	assert_string_equal(c.cc_transport.tr_cert, "/etc/daos/certs/admin.crt");
	ctl_config_free(&c);

	text = "transport_config: {allow_insecure: true}\n";
	assert_int_equal(ctl_config_parse(text, strlen(text), CTL, &c, err, sizeof(err)), 0);
	assert_string_equal(c.cc_name, "daos_server");
	assert_int_equal(c.cc_port, 10001);
	assert_int_equal(d_hostset_get(&c.cc_hosts, 0, host, sizeof(host)), 0);
	assert_string_equal(host, "localhost:10001");
	ctl_config_free(&c);
}

/* CFG51: daos_control.yml mistakes */
static void
cfg51_control_bad(void **state)
{
	(void)state;
	ctl_bad("transport_config: {allow_insecure: true}\nhostlst: [a]\n",
		CTL ":2: unknown key 'hostlst' (did you mean 'hostlist'?)");
	ctl_bad("transport_config: {allow_insecure: true}\nhostlist: ['node[1-']\n",
		CTL ":2: hostlist[0]: unbalanced bracket in 'node[1-'");
	ctl_bad("transport_config: {allow_insecure: true}\nhostlist: ['h[0-9999]']\n",
		CTL ":2: hostlist[0]: more than 4096 hosts");
	ctl_bad("hostlist: [a]\n",
		CTL ":1: transport_config: ca_cert is required unless allow_insecure is true");
	ctl_bad("transport_config: {allow_insecure: true, client_cert_dir: /x}\n",
		CTL ":1: transport_config: unknown key 'client_cert_dir'");
	ctl_bad("transport_config: {allow_insecure: true}\nport: 0\n",
		CTL ":2: port: expected an integer in [1, 65535], got '0'");
	ctl_bad("transport_config: {allow_insecure: true}\nhostlist: []\n",
		CTL ":2: hostlist: expected at least 1 item, got 0");
}

/* CFG55: daos_agent.yml with every key */
static void
cfg55_agent_good(void **state)
{
	struct agent_config c;
	char                err[512];
	const char         *text = "name: daos_server\n"
				   "access_points: [node1:10001, node2]\n"
				   "port: 10001\n"
				   "transport_config:\n"
				   "  ca_cert: /etc/daos/certs/daosCA.crt\n"
				   "  cert: /etc/daos/certs/agent.crt\n"
				   "  key: /etc/daos/certs/agent.key\n"
				   "runtime_dir: /var/run/daos_agent\n"
				   "log_file: /tmp/agent.log\n"
				   "control_log_mask: debug\n"
				   "disable_caching: true\n"
				   "cache_expiration: 30\n"
				   "disable_auto_evict: true\n"
				   "enable_evict_on_start: true\n"
				   "exclude_fabric_ifaces: [lo, docker0]\n"
				   "fabric_ifaces:\n"
				   "  - numa_node: 0\n"
				   "    devices:\n"
				   "      - iface: eth0\n"
				   "        domain: mlx5_0\n"
				   "      - iface: eth1\n"
				   "  - numa_node: 1\n"
				   "    devices: [{iface: eth2}]\n"
				   "telemetry_port: 9200\n"
				   "telemetry_enabled: true\n"
				   "telemetry_retain: 1h30m\n";

	(void)state;
	assert_int_equal(agent_config_parse(text, strlen(text), AGT, &c, err, sizeof(err)), 0);
	/* The agent needs no odd count. */
	assert_int_equal(c.ac_access_points.sl_nr, 2);
	assert_string_equal(c.ac_access_points.sl_items[1], "node2:10001");
	assert_int_equal(c.ac_control_log_mask, CFG_LOG_DEBUG);
	assert_true(c.ac_disable_caching);
	assert_int_equal(c.ac_cache_expiration_min, 30);
	assert_true(c.ac_disable_auto_evict && c.ac_enable_evict_on_start);
	assert_int_equal(c.ac_exclude_fabric_ifaces.sl_nr, 2);
	assert_int_equal(c.ac_fabric_ifaces_nr, 2);
	assert_int_equal(c.ac_fabric_ifaces[0].ni_devs_nr, 2);
	assert_string_equal(c.ac_fabric_ifaces[0].ni_devs[0].fd_domain, "mlx5_0");
	assert_null(c.ac_fabric_ifaces[0].ni_devs[1].fd_domain);
	assert_int_equal(c.ac_fabric_ifaces[1].ni_numa_node, 1);
	assert_string_equal(c.ac_fabric_ifaces[1].ni_devs[0].fd_iface, "eth2");
	assert_int_equal(c.ac_telemetry_port, 9200);
	assert_true(c.ac_telemetry_enabled);
	assert_int_equal(c.ac_telemetry_retain_s, 5400);
	agent_config_free(&c);

	/* Defaults. */
	text = "transport_config: {allow_insecure: true}\n";
	assert_int_equal(agent_config_parse(text, strlen(text), AGT, &c, err, sizeof(err)), 0);
	assert_string_equal(c.ac_access_points.sl_items[0], "localhost:10001");
	assert_string_equal(c.ac_runtime_dir, "/var/run/daos_agent");
	assert_string_equal(c.ac_log_file, "/tmp/daos_agent.log");
	assert_int_equal(c.ac_telemetry_port, 9192);
	assert_int_equal(c.ac_telemetry_retain_s, 0);
	assert_false(c.ac_telemetry_enabled);
	agent_config_free(&c);
}

/* CFG56: daos_agent.yml mistakes */
static void
cfg56_agent_bad(void **state)
{
	(void)state;
	agent_bad("transport_config: {allow_insecure: true}\n"
		  "fabric_ifaces:\n"
		  "  - {numa_node: 0, devices: [{iface: eth0}]}\n"
		  "  - {numa_node: 0, devices: [{iface: eth1}]}\n",
		  AGT ":4: fabric_ifaces[1].numa_node: NUMA node 0 is also listed in "
		      "fabric_ifaces[0]");
	agent_bad("transport_config: {allow_insecure: true}\n"
		  "fabric_ifaces:\n"
		  "  - {numa_node: 0}\n",
		  AGT ":3: fabric_ifaces[0]: missing required key 'devices'");
	agent_bad("transport_config: {allow_insecure: true}\n"
		  "fabric_ifaces:\n"
		  "  - {numa_node: 0, devices: [{domain: x}]}\n",
		  AGT ":3: fabric_ifaces[0].devices[0]: missing required key 'iface'");
	agent_bad("transport_config: {allow_insecure: true}\ntelemetry_retain: 5 minutes\n",
		  AGT ":2: telemetry_retain: expected a duration of at most 604800s (such as 90s, "
		      "5m or 1h30m), got '5 minutes'");
	agent_bad("transport_config: {allow_insecure: true}\ntelemetry_retain: 30s1m\n",
		  AGT ":2: telemetry_retain: expected a duration of at most 604800s (such as 90s, "
		      "5m or 1h30m), got '30s1m'");
	agent_bad("transport_config: {allow_insecure: true}\ncache_expiration: 10081\n",
		  AGT ":2: cache_expiration: expected an integer in [0, 10080], got '10081'");
	agent_bad("transport_config: {allow_insecure: true}\nruntime_dir: run/agent\n",
		  AGT ":2: runtime_dir: 'run/agent' is not an absolute path");
	agent_bad("transport_config: {allow_insecure: true}\naccess_points: [a, 'A:10001']\n",
		  AGT ":2: access_points[1]: duplicate access point 'A:10001' (same as item 0)");
	agent_bad("transport_config: {allow_insecure: true}\nprovider: ofi+tcp\n",
		  AGT ":2: unknown key 'provider'");
	agent_bad("access_points: [a]\n",
		  AGT ":1: transport_config: ca_cert is required unless allow_insecure is true");
}

/* CFG60: the YAML tree: shapes, 1-based positions, quoting, nulls */
static void
cfg60_yaml_tree(void **state)
{
	struct ydoc             d;
	const struct ydoc_node *r, *n;
	char                    err[256];
	const char             *text = "# comment\n"
				       "a: 1\n"
				       "b: [x, 'y', \"\"]\n"
				       "c:\n"
				       "  - k: v\n"
				       "d:\n"
				       "e: ~\n";

	(void)state;
	assert_int_equal(ydoc_parse(text, strlen(text), "t", &d, err, sizeof(err)), 0);
	r = d.yd_root;
	assert_int_equal(r->yn_kind, YDOC_MAP);
	assert_int_equal(r->yn_nr, 5);
	assert_int_equal(r->yn_line, 2);
	assert_int_equal(r->yn_keys[0]->yn_line, 2);
	assert_int_equal(r->yn_keys[0]->yn_col, 1);
	n = ydoc_map_get(r, "b");
	assert_int_equal(n->yn_kind, YDOC_SEQ);
	assert_int_equal(n->yn_nr, 3);
	assert_int_equal(n->yn_items[1]->yn_line, 3);
	assert_int_equal(n->yn_items[1]->yn_col, 8);
	assert_true(n->yn_items[0]->yn_plain);
	assert_false(n->yn_items[1]->yn_plain);
	assert_false(ydoc_is_null(n->yn_items[2])); /* "" quoted is a value */
	n = ydoc_map_get(r, "c");
	assert_int_equal(n->yn_items[0]->yn_kind, YDOC_MAP);
	assert_int_equal(n->yn_items[0]->yn_line, 5);
	assert_int_equal(n->yn_items[0]->yn_col, 5);
	assert_true(ydoc_is_null(ydoc_map_get(r, "d")));
	assert_true(ydoc_is_null(ydoc_map_get(r, "e")));
	assert_null(ydoc_map_get(r, "zz"));
	assert_int_equal(ydoc_map_find(r, "c"), 2);
	assert_int_equal(ydoc_map_find(n, "c"), -1); /* not a map */
	assert_string_equal(ydoc_kind_name(YDOC_SEQ), "a list");
	ydoc_fini(&d);
	assert_null(d.yd_root);
	ydoc_fini(&d);

	assert_int_equal(ydoc_parse("", 0, "t", &d, err, sizeof(err)), 0);
	assert_null(d.yd_root);
	assert_int_equal(ydoc_parse("[a]", 3, "t", NULL, err, sizeof(err)), -DER_INVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(cfg01_example_server),
	    cmocka_unit_test(cfg02_example_control),
	    cmocka_unit_test(cfg03_example_agent),
	    cmocka_unit_test(cfg04_defaults),
	    cmocka_unit_test(cfg05_embedded_default),
	    cmocka_unit_test(cfg06_full_featured),
	    cmocka_unit_test(cfg07_dcpm_kdev),
	    cmocka_unit_test_setup_teardown(cfg08_load_file, setup, teardown),
	    cmocka_unit_test(cfg10_unknown_top),
	    cmocka_unit_test(cfg11_unknown_engine),
	    cmocka_unit_test(cfg12_unknown_tier),
	    cmocka_unit_test(cfg13_wrong_types),
	    cmocka_unit_test(cfg14_out_of_range),
	    cmocka_unit_test(cfg15_provider),
	    cmocka_unit_test(cfg16_even_access_points),
	    cmocka_unit_test(cfg17_duplicate_access_point),
	    cmocka_unit_test(cfg18_bad_access_point),
	    cmocka_unit_test(cfg19_duplicate_key),
	    cmocka_unit_test(cfg20_port_overlap),
	    cmocka_unit_test(cfg21_missing_required),
	    cmocka_unit_test(cfg22_bad_log_mask),
	    cmocka_unit_test(cfg23_bad_env),
	    cmocka_unit_test(cfg24_tier_classes),
	    cmocka_unit_test(cfg25_file_needs_size),
	    cmocka_unit_test(cfg26_shared_resources),
	    cmocka_unit_test(cfg27_bad_pci),
	    cmocka_unit_test(cfg28_yaml_syntax),
	    cmocka_unit_test(cfg29_alias_anchor_tag),
	    cmocka_unit_test(cfg30_empty),
	    cmocka_unit_test_setup_teardown(cfg31_huge, setup, teardown),
	    cmocka_unit_test(cfg32_not_text),
	    cmocka_unit_test_setup_teardown(cfg33_file_errors, setup, teardown),
	    cmocka_unit_test(cfg34_transport),
	    cmocka_unit_test(cfg35_core_xor_numa),
	    cmocka_unit_test(cfg36_no_provider),
	    cmocka_unit_test(cfg37_bdev_roles),
	    cmocka_unit_test(cfg38_fault_path),
	    cmocka_unit_test(cfg39_too_many_engines),
	    cmocka_unit_test(cfg40_bad_name),
	    cmocka_unit_test(cfg41_telemetry_port),
	    cmocka_unit_test(cfg42_tree_limits),
	    cmocka_unit_test(cfg43_dcpm_kdev_rules),
	    cmocka_unit_test(cfg44_errbuf_safety),
	    cmocka_unit_test(cfg50_control_good),
	    cmocka_unit_test(cfg51_control_bad),
	    cmocka_unit_test(cfg55_agent_good),
	    cmocka_unit_test(cfg56_agent_bad),
	    cmocka_unit_test(cfg60_yaml_tree),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
