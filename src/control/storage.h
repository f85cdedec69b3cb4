/*
 * storage.h: an engine's storage as daos_server sees it: scan, format, erase,
 * and the superblock on the SCM mount.
 *
 * Tiers (config.h, struct srv_tier_cfg): tier 0 is the SCM tier, tiers 1.. are
 * bdev tiers.
 *   ram   scm_mount is created (one level: its parent must exist), then a
 *         tmpfs of scm_size is mounted there when the process may mount
 *         (mount(2) needs CAP_SYS_ADMIN) and DAOS_SCM_NO_MOUNT is not "1";
 *         otherwise the directory scm_mount is used as it is (on whatever file
 *         system holds it). The superblock and the scan say which.
 *   dcpm  a PMem namespace (scm_list[0], /dev/pmemN) that the administrator
 *         mounted at scm_mount (ext4 -o dax). Format does not run mkfs: without
 *         any /dev/pmem* it fails with "class dcpm requires PMem hardware (no
 *         /dev/pmem* found)"; with the device present, scm_mount must be a
 *         mount point of that device.
 *   file  one file of bdev_size per bdev_list entry, created with
 *         bio_dev_create_file() (size rounded down to BIO_ALIGN, since
 *         bdev_size is in GB = 10^9 bytes).
 *   kdev  existing block devices; format checks that they exist.
 *   nvme  SPDK PCI devices: not supported on this machine (clear error,
 *         -DER_NOTSUPPORTED: emulate with bdev_class file).
 *
 * Superblock: <scm_mount>/superblock, JSON, written LAST by a format (temp
 * file, fsync, rename, fsync of the directory), so storage with a valid
 * superblock is completely formatted and anything else is not:
 *   {"magic":"DAOS_ENGINE_SUPERBLOCK","version":1,"system":"daos_server",
 *    "engine_idx":0,"uuid":"<36>","rank":0,            (rank only once assigned)
 *    "format_time":1700000000,                         (UTC seconds)
 *    "scm":{"class":"ram","mount":"/mnt/daos0","size":1073741824,"tmpfs":false},
 *    "bdevs":[{"tier":1,"class":"file","path":"/var/tmp/daos0.img","size":1999998976}]}
 * Reading is strict: the magic and then the version are checked before
 * anything else is trusted; an unknown, duplicate or missing key, a wrong type
 * or a value out of range is -DER_DF_INVAL with the reason, a version outside
 * [SRV_SB_VERSION_MIN, SRV_SB_VERSION_MAX] is -DER_DF_INCOMPT ("superblock
 * layout version 9 not in [1, 1]"). The caller raises the RAS event.
 *
 * Safety of wipes (format --force, erase): scm_mount must be absolute, free of
 * "." and ".." components, and neither "/" nor a system directory (/usr, /var,
 * /home, ...) once symbolic links are resolved. A wipe removes what is BELOW
 * scm_mount, never scm_mount itself, never follows a symbolic link and never
 * crosses into another file system.
 *
 * Errors: functions return 0 or a negative DER code and, where they take one,
 * put one sentence in errbuf (may be NULL with errlen 0; "" on success).
 * Not thread-safe with respect to the same storage; distinct engines' storage
 * is independent. Everything here blocks (file I/O, fallocate): call it from
 * the control loop only for small devices, or from a worker.
 */
#ifndef CONTROL_STORAGE_H
#define CONTROL_STORAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uuid/uuid.h>

#include "gurt/rankset.h" /* D_RANK_NIL */
#include "control/config.h"

/*
 * Limits
 */
/** Longest SCM mount or bdev path in a superblock, NUL included: bio's limit
 *  (BIO_PATH_MAX), which every device path must meet to be opened anyway. */
#define SRV_SB_PATH_MAX         1024
/** Most bdev entries in a superblock: every bdev tier at its configured maximum. */
#define SRV_SB_BDEVS_MAX        ((SRV_TIERS_MAX - 1) * SRV_BDEVS_MAX)
/** Largest superblock file: SRV_SB_BDEVS_MAX entries of maximal paths fit in
 *  about 300 KiB; anything bigger is not ours. */
#define SRV_SB_FILE_MAX         (512 * 1024)
/** Deepest directory tree a wipe or a usage walk descends: VOS and SMD use two
 *  or three levels; a bound keeps descriptors and stack bounded. */
#define SRV_WALK_DEPTH_MAX      32
/** Most entries a usage walk (scan of a directory-backed SCM tier) counts:
 *  bounds the scan time; past it "used" is a lower bound. */
#define SRV_WALK_ENTRIES_MAX    (1u << 20)
/** Message size of one format step (scm, nvme) in a result. */
#define SRV_FORMAT_MSG_MAX      256
/** Most bdev entries one scan reports (all bdev tiers). */
#define SRV_STORAGE_BDEVS_MAX   SRV_SB_BDEVS_MAX

/** Superblock layout: the version written, and the range this build reads. */
#define SRV_SB_VERSION          1
#define SRV_SB_VERSION_MIN      1
#define SRV_SB_VERSION_MAX      1
/** Magic string of the superblock. */
#define SRV_SB_MAGIC            "DAOS_ENGINE_SUPERBLOCK"
/** Superblock file name below scm_mount. */
#define SRV_SB_FILE             "superblock"
/** Environment variable: "1" forbids mounting tmpfs for class ram (tests). */
#define SRV_SCM_NO_MOUNT_ENV    "DAOS_SCM_NO_MOUNT"

/** One bdev recorded by a format. */
struct srv_sb_bdev {
	uint32_t            sbd_tier;   /**< 1..SRV_TIERS_MAX-1 */
	enum srv_tier_class sbd_class;  /**< file, kdev or nvme */
	uint64_t            sbd_size;   /**< bytes (file: as created; else 0) */
	char                sbd_path[SRV_SB_PATH_MAX];
};

/** The superblock in memory. Owns sb_bdevs: free with srv_superblock_free(). */
struct srv_superblock {
	uint32_t            sb_version;
	char                sb_system[CFG_NAME_MAX + 1];
	uint32_t            sb_engine_idx;
	uuid_t              sb_uuid;       /**< engine UUID, new at every format */
	uint32_t            sb_rank;       /**< D_RANK_NIL until the MS assigned one */
	/** A reformat (--force) kept sb_rank for the new engine UUID: the next
	 *  join asks the MS to give that rank's member the new UUID ("replace"),
	 *  and the rank's first confirmation clears it. */
	bool                sb_replace;
	int64_t             sb_format_time; /**< UTC seconds */
	enum srv_tier_class sb_scm_class;  /**< ram or dcpm */
	uint64_t            sb_scm_size;   /**< bytes: tmpfs size, or the configured size */
	bool                sb_scm_tmpfs;  /**< ram: a tmpfs was mounted (else a directory) */
	char                sb_scm_mount[SRV_SB_PATH_MAX];
	struct srv_sb_bdev *sb_bdevs;
	uint32_t            sb_bdevs_nr;
};

/** Free what a superblock owns and zero it. Safe on a zeroed superblock. */
void srv_superblock_free(struct srv_superblock *sb);

/**
 * Parse superblock text buf[0..len) (untrusted; no NUL needed). On success *sb
 * is filled (free it); on error it is untouched and errbuf says why.
 * \return 0, -DER_DF_INVAL (malformed), -DER_DF_INCOMPT (version), -DER_NOMEM
 */
int srv_superblock_parse(const char *buf, size_t len, struct srv_superblock *sb, char *errbuf,
			 size_t errlen);

/**
 * Encode a superblock (compact JSON, keys in the order above) into a malloc'ed
 * NUL-terminated string the caller frees.
 * \return 0, -DER_INVAL (a field out of range: it would not parse back), -DER_NOMEM
 */
int srv_superblock_encode(const struct srv_superblock *sb, char **out);

/**
 * Read <scm_mount>/superblock.
 * \return 0; -DER_NONEXIST (no superblock: unformatted); -DER_DF_INVAL,
 *         -DER_DF_INCOMPT (see srv_superblock_parse; also for a file that is
 *         not regular or exceeds SRV_SB_FILE_MAX); -DER_NO_PERM; -DER_IO;
 *         -DER_NOMEM. errbuf names the file and the problem.
 */
int srv_superblock_read(const char *scm_mount, struct srv_superblock *sb, char *errbuf,
			size_t errlen);

/**
 * Write <scm_mount>/superblock atomically: temporary file, fsync, rename,
 * fsync of the directory.
 * \return 0, -DER_INVAL (bad superblock), -DER_NONEXIST (no such directory),
 *         -DER_NO_PERM, -DER_NOSPACE, -DER_IO (then the old superblock or the
 *         new one is in place, never a torn one), -DER_NOMEM
 */
int srv_superblock_write(const char *scm_mount, const struct srv_superblock *sb, char *errbuf,
			 size_t errlen);

/**
 * Record the rank the MS assigned: read, set sb_rank, write (atomically).
 * A superblock that already holds @rank is not rewritten.
 * \return as srv_superblock_read() and srv_superblock_write()
 */
int srv_superblock_set_rank(const char *scm_mount, uint32_t rank, char *errbuf, size_t errlen);

/** The SCM tier as found by a scan. Paths point into the engine's config. */
struct srv_scm_info {
	const char         *si_mount;
	enum srv_tier_class si_class;
	const char         *si_device;     /**< dcpm: scm_list[0]; else NULL */
	uint64_t            si_cfg_size;   /**< scm_size (bytes; 0 = automatic) */
	bool                si_exists;     /**< scm_mount is a directory */
	bool                si_mounted;    /**< scm_mount is a mount point */
	bool                si_tmpfs;      /**< ... of a tmpfs */
	uint64_t            si_total;      /**< bytes usable by the engine */
	uint64_t            si_used;       /**< bytes in use */
	bool                si_formatted;  /**< a valid superblock is present */
	int                 si_sb_rc;      /**< 0 or srv_superblock_read()'s error */
	char                si_sb_error[SRV_FORMAT_MSG_MAX];
	uuid_t              si_uuid;       /**< when formatted */
	uint32_t            si_rank;       /**< when formatted; D_RANK_NIL if none */
};

/** One bdev as found by a scan. */
struct srv_bdev_info {
	uint32_t            bi_tier;
	enum srv_tier_class bi_class;
	const char         *bi_path;       /**< bdev_list entry (a PCI address for nvme) */
	uint64_t            bi_cfg_size;   /**< file: bdev_size in bytes; else 0 */
	bool                bi_exists;     /**< file: a regular file; kdev: a block device */
	uint64_t            bi_size;       /**< its size in bytes when it exists */
};

/** An engine's storage as found by a scan. Plain data, no cleanup; about 10 KiB. */
struct srv_storage_info {
	struct srv_scm_info  st_scm;
	struct srv_bdev_info st_bdevs[SRV_STORAGE_BDEVS_MAX];
	uint32_t             st_bdevs_nr;
};

/**
 * Scan an engine's storage (never changes anything). Total/used: a tmpfs or
 * dcpm mount reports its file system (statvfs); a directory-backed ram tier
 * reports min(scm_size, file system size) as total and the bytes allocated
 * below the directory as used (a bounded walk). Problems with individual
 * items are reported in the result, not as errors.
 * \param ec   the engine's config; must outlive *out (paths are borrowed)
 * \return 0, -DER_INVAL (NULL argument, no SCM tier in ec)
 */
int srv_storage_scan(const struct srv_engine_cfg *ec, struct srv_storage_info *out);

/** Result of srv_storage_format(), per step as dmg storage format reports it. */
struct srv_format_result {
	int    fr_scm_rc;   /**< 0 or the SCM step's error */
	char   fr_scm_msg[SRV_FORMAT_MSG_MAX];
	int    fr_nvme_rc;  /**< 0 or the bdev step's error (not run when SCM failed) */
	char   fr_nvme_msg[SRV_FORMAT_MSG_MAX];
	bool   fr_scm_tmpfs; /**< a tmpfs is mounted at scm_mount */
	bool   fr_reformat;  /**< a valid superblock was replaced (--force) */
	uuid_t fr_uuid;      /**< the new engine UUID (when the format succeeded) */
};

/**
 * Format engine @idx's storage for system @sys_name.
 * Refuses storage holding a superblock (valid or not) unless @force:
 * -DER_EXIST, "storage of engine <idx> is already formatted (use --force)".
 * Then: wipes below scm_mount (storage without a superblock is an
 * interrupted format or new, so it is wiped too), prepares the SCM tier
 * (mounts tmpfs for ram when allowed), creates or checks the bdevs, and
 * writes a new superblock (new engine UUID) last. A reformat of a valid
 * superblock of the same system that held a rank keeps that rank (the engine
 * rejoins in its place, sb_replace set); otherwise the new one has no rank.
 * \return 0 or the first error; res holds both steps, errbuf the first message.
 *   -DER_INVAL (arguments, unsafe scm_mount), -DER_EXIST, -DER_NOTSUPPORTED
 *   (dcpm without PMem, nvme), -DER_NONEXIST (a device or directory missing),
 *   -DER_NO_PERM, -DER_NOSPACE, -DER_IO, -DER_NOMEM
 */
int srv_storage_format(const char *sys_name, const struct srv_engine_cfg *ec, uint32_t idx,
		       bool force, struct srv_format_result *res, char *errbuf, size_t errlen);

/**
 * Erase an engine's storage (dmg system erase): remove the superblock first
 * (so an interrupted erase leaves unformatted storage), wipe below scm_mount,
 * unmount it when it is a tmpfs mount point, remove file bdevs. Storage that
 * is already erased is fine.
 * \return 0 or the first error (every step is still attempted)
 */
int srv_storage_erase(const struct srv_engine_cfg *ec, char *errbuf, size_t errlen);

/**
 * Check that @path may be wiped (rules at the top); exposed for tests.
 * \return 0 or -DER_INVAL with the reason
 */
int srv_storage_path_check(const char *path, char *errbuf, size_t errlen);

#endif /* CONTROL_STORAGE_H */
