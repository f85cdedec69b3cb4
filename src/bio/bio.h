/*
 * bio.h: blob I/O for the storage engine: devices, blobs, io_uring rings,
 * aligned buffers, per-server metadata (SMD), error counters, fault injection.
 *
 * Objects and who owns them
 *   struct bio_dev       one open block device (a file for `bdev_class: file`, a
 *                        /dev path for `kdev`). Shared by every target thread of
 *                        the engine: its counters and failed state are atomics.
 *   struct bio_ring      one io_uring ring, owned by ONE target thread (no locks
 *                        on the I/O path). Completions signal an eventfd that the
 *                        target's epoll loop watches; bio_ring_poll() runs them.
 *   struct bio_blob      a region of a device reserved for one (pool, target).
 *                        Plain value; every I/O is checked against it.
 *   struct bio_buf_pool  a bounded set of 4 KiB-aligned buffers (one thread).
 *   struct bio_smd       the per-server metadata file on the SCM mount: devices,
 *                        pools -> blobs, the device free maps. Used by one thread
 *                        (the engine's system thread), not thread-safe.
 *
 * DURABILITY CONTRACT (the VOS layer relies on it)
 *   1. A write is DURABLE only after a flush of its device, submitted after the
 *      write's completion callback ran, has completed with rc == 0
 *      (bio_submit_flush()/bio_flush(): fdatasync through IORING_OP_FSYNC with
 *      IORING_FSYNC_DATASYNC). A completed write without such a flush may be
 *      lost or torn by a crash, even with O_DIRECT (device caches, file
 *      system metadata of the extent).
 *   2. Every failure is reported: a failed read, write, flush or unmap
 *      completes with a negative rc; nothing is retried silently.
 *   3. A failed write or flush puts the DEVICE into a sticky FAILED state
 *      (after a failed fsync the kernel may have dropped the dirty data and a
 *      retried fsync can "succeed" without it: fsyncgate). From then on every
 *      write, flush and unmap of the device is refused with -DER_NVME_IO
 *      without reaching the device, and a flush that was in flight when the
 *      device failed completes with -DER_NVME_IO even if the kernel said 0.
 *      Reads are still served (rebuild may want old data; its checksums tell).
 *      The state is in memory only: the engine records it in SMD
 *      (bio_smd_dev_set_state(..., BIO_STATE_FAULTY)), raises the RAS event
 *      and must not use the device again before an administrator replaces it.
 *      Closing and reopening a bio_dev clears it, which is why the engine must
 *      consult SMD before opening.
 *   4. Failed reads and unmaps are counted but do not fail the device.
 *   Error code: a device I/O error, real or injected, is -DER_NVME_IO.
 *
 * Submission contract: bio_submit_*() returns 0 and the callback then runs
 * exactly once, from bio_ring_poll() (or from a sync helper or
 * bio_ring_destroy() on the same ring); or it returns a negative code and the
 * callback never runs. -DER_AGAIN means the ring is full: poll and retry.
 *
 * Alignment: device offsets, lengths and buffer addresses of reads and writes
 * must be multiples of BIO_ALIGN (checked on every I/O, so the check also holds
 * on tmpfs, which accepts misaligned O_DIRECT I/O).
 */
#ifndef BIO_BIO_H
#define BIO_BIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include <uuid/uuid.h>

/* ---- Limits ------------------------------------------------------------- */

/** I/O alignment (offsets, lengths, buffers): covers 512e and 4Kn devices and the O_DIRECT rules. */
#define BIO_ALIGN              4096U
/** Blob offset and size granularity: big enough to keep the free maps short. */
#define BIO_BLOB_ALIGN         (1ULL << 20)
/** Longest device or directory path, NUL included: device paths are short /dev or mount paths. */
#define BIO_PATH_MAX           1024
/** Largest device (1 PiB): larger than any one NVMe namespace, far from u64 overflow in offset sums. */
#define BIO_DEV_SIZE_MAX       (1ULL << 50)
/** Deepest ring: enough in-flight I/O to saturate an NVMe device from one target. */
#define BIO_RING_DEPTH_MAX     4096U
/** Segments per I/O: a VOS extent spans few buffers; the iovec is copied into the request. */
#define BIO_IOV_MAX            16U
/** Bytes per I/O: well below the int32 cqe->res, and bounded like the buffers. */
#define BIO_IO_SIZE_MAX        (64U << 20)
/** Largest buffer of a pool: one maximal I/O. */
#define BIO_BUF_SIZE_MAX       BIO_IO_SIZE_MAX
/** Buffers per pool: bounds the free stack allocated at pool create. */
#define BIO_BUF_NR_MAX         65536U
/** Bytes per pool (1 GiB): a target's I/O memory, fixed at start-up. */
#define BIO_BUF_POOL_BYTES_MAX (1ULL << 30)
/** Targets per engine (ids 0..BIO_TGT_MAX-1): more than the cores one engine is given. */
#define BIO_TGT_MAX            64U
/** Devices in one SMD: more NVMe devices than a server holds. */
#define BIO_SMD_DEV_MAX        128U
/** Pools in one SMD: DAOS servers run tens to hundreds of pools. */
#define BIO_SMD_POOL_MAX       4096U
/** Blobs in one SMD (all pools x targets): bounds the tables and the file. */
#define BIO_SMD_BLOB_MAX       65536U
/** Size of the SMD file: about 300 bytes per blob and extent at the blob limit fit. */
#define BIO_SMD_FILE_MAX       (32U << 20)
/** Rules in D_BIO_FAULT: a test arms a few devices at most. */
#define BIO_FAULT_RULE_MAX     8U
/** Largest fault count: a test never needs more injected failures. */
#define BIO_FAULT_COUNT_MAX    1000000U
/** Longest D_BIO_FAULT value, NUL included: the rule limit times a path. */
#define BIO_FAULT_SPEC_MAX     (BIO_FAULT_RULE_MAX * (BIO_PATH_MAX + 64))
/** Suggested size of the error buffers of bio_smd_open() and the fault parser. */
#define BIO_ERRMSG_LEN         (BIO_PATH_MAX + 256)

/** First blob id: ids print like DAOS's (4294967296 + n) and are never reused. */
#define BIO_BLOB_ID_BASE       (1ULL << 32)
/** Name of the SMD file in the directory given to bio_smd_open(). */
#define BIO_SMD_FILE           "daos_smd.json"
/** Layout version written by this build (the only one it reads). */
#define BIO_SMD_VERSION        1
/** Target id of a ring that does not belong to a target (counted per device only). */
#define BIO_TGT_NONE           UINT32_MAX

/* ---- Devices ------------------------------------------------------------ */

enum bio_dev_class {
	BIO_DEV_FILE = 1, /**< `bdev_class: file`: a regular file of fixed size */
	BIO_DEV_KDEV = 2, /**< `bdev_class: kdev`: a kernel block device path */
};

/** bio_dev_open() flags. */
#define BIO_OPEN_NO_DIRECT 0x1U /**< never use O_DIRECT (buffered + fdatasync) */

struct bio_dev;

/**
 * Creates a file device of exactly `size_bytes` (a multiple of BIO_ALIGN, at
 * most BIO_DEV_SIZE_MAX), allocated with fallocate (ftruncate where the file
 * system cannot), under a temporary name that is renamed into place, so a
 * crash never leaves a device of the wrong size. Idempotent: an existing file
 * of the same size gives 0; of another size -DER_EXIST (never grown or shrunk:
 * the SMD free map describes the old size). Not a regular file: -DER_INVAL.
 * Errors: -DER_INVAL (arguments), -DER_NONEXIST (parent directory missing),
 * -DER_NOSPACE, -DER_NO_PERM, -DER_IO.
 */
int bio_dev_create_file(const char *path, uint64_t size_bytes);

/**
 * Opens a device for I/O. BIO_DEV_FILE needs a regular file whose size is a
 * multiple of BIO_ALIGN; BIO_DEV_KDEV a block device (opened O_EXCL, so a
 * mounted one is refused with -DER_BUSY), whose size is rounded down to
 * BIO_ALIGN. O_DIRECT is used when the open and a probe read with it succeed,
 * otherwise buffered I/O (see bio_dev_query()); flush is fdatasync either way.
 * The device is locked (flock) against a second open from any process:
 * -DER_BUSY. Rules armed by bio_fault_from_env() for this device are applied.
 * Errors: -DER_INVAL (arguments, wrong file type or size), -DER_NONEXIST,
 * -DER_BUSY, -DER_NO_PERM, -DER_NOMEM, -DER_NOTSUPPORTED (sector > BIO_ALIGN),
 * -DER_IO. On error *dev is untouched.
 */
int bio_dev_open(const char *path, enum bio_dev_class cls, unsigned flags, struct bio_dev **dev);

/** Closes a device. No ring may have I/O of it in flight (asserted). NULL is a no-op. */
void bio_dev_close(struct bio_dev *dev);

/** Operations, as used by the failure record and the fault switch. */
enum bio_op {
	BIO_OP_READ  = 0x1,
	BIO_OP_WRITE = 0x2,
	BIO_OP_FLUSH = 0x4,
	BIO_OP_UNMAP = 0x8,
	BIO_OP_ALL   = 0xF,
};

struct bio_dev_info {
	const char        *bdi_path;         /**< as given to bio_dev_open(); valid while open */
	enum bio_dev_class bdi_class;
	uint64_t           bdi_size;         /**< usable bytes */
	bool               bdi_direct;       /**< O_DIRECT in use (else buffered + fdatasync) */
	bool               bdi_failed;       /**< sticky FAILED state (durability contract 3) */
	enum bio_op        bdi_failed_op;    /**< operation that failed it (0 when healthy) */
	int                bdi_failed_errno; /**< its errno (EIO for an injected fault) */
};

/** Snapshot of a device's properties and failed state. */
void bio_dev_query(const struct bio_dev *dev, struct bio_dev_info *info);

/**
 * Put a healthy device into the sticky FAILED state on purpose (an administrator
 * set it faulty): from now on its writes, flushes and unmaps are refused with
 * -DER_NVME_IO without reaching it and reads are served, as after a failed write
 * (durability contract 3). The failure is recorded as a write with ECANCELED and
 * counts no I/O error. Only closing and reopening the device clears it.
 * eturn 0, or -DER_ALREADY when the device had failed already
 */
int bio_dev_set_failed(struct bio_dev *dev);

/* ---- Counters ----------------------------------------------------------- */

/**
 * I/O counters, per device (all targets) and per ring (one target, all
 * devices). *_ops count completed operations, failed ones included; *_errs
 * count failed ones, injected faults included; bytes count successful
 * transfers only. I/O refused at submission (bounds, failed device) is not
 * counted: it never reached the device. An unsupported unmap is not an error.
 */
struct bio_counters {
	uint64_t bc_read_ops;
	uint64_t bc_write_ops;
	uint64_t bc_flush_ops;
	uint64_t bc_unmap_ops;
	uint64_t bc_bytes_read;
	uint64_t bc_bytes_written;
	uint64_t bc_read_errs;
	uint64_t bc_write_errs;
	uint64_t bc_flush_errs;
	uint64_t bc_unmap_errs;
	uint64_t bc_csum_errs;
};

/** Consistent-enough snapshot (each field read atomically) of a device's counters. */
void bio_dev_counters(const struct bio_dev *dev, struct bio_counters *out);

struct bio_ring;

/** Snapshot of a ring's (target's) counters; callable from any thread. */
void bio_ring_counters(const struct bio_ring *ring, struct bio_counters *out);

/**
 * Counts a checksum error that VOS found in data read from `dev` by the target
 * owning `ring`; call it on that target's thread (the ring's counters have one
 * writer). Either may be NULL (then only the other is counted).
 */
void bio_csum_error(struct bio_ring *ring, struct bio_dev *dev);

/* ---- Blobs -------------------------------------------------------------- */

/** A (pool, target) region of a device. Offsets of I/O are relative to bb_off. */
struct bio_blob {
	uint64_t        bb_id;
	struct bio_dev *bb_dev;
	uint64_t        bb_off;
	uint64_t        bb_size;
};

/**
 * Fills a blob after checking that [off, off + size) lies inside `dev` and is
 * BIO_ALIGN-aligned, size > 0. Errors: -DER_INVAL (then *bb is untouched).
 */
int bio_blob_init(struct bio_blob *bb, struct bio_dev *dev, uint64_t id, uint64_t off,
		  uint64_t size);

/* ---- Rings and I/O ------------------------------------------------------ */

/** Completion callback: rc is 0 or a negative DER code. */
typedef void (*bio_io_cb_t)(void *arg, int rc);

/**
 * Creates a ring with room for `depth` (1..BIO_RING_DEPTH_MAX) I/Os in flight,
 * all request memory preallocated. `tgt_id` (< BIO_TGT_MAX, or BIO_TGT_NONE)
 * names the target for the counters. Errors: -DER_INVAL, -DER_NOMEM, -DER_NOSYS
 * (io_uring disabled), -DER_IO.
 */
int bio_ring_create(uint32_t tgt_id, unsigned depth, struct bio_ring **ring);

/** Waits for the I/O in flight (running its callbacks), then frees the ring. */
void bio_ring_destroy(struct bio_ring *ring);

/** The ring's eventfd (non-blocking): readable when completions wait. Owned by the ring. */
int bio_ring_fd(const struct bio_ring *ring);

/** Number of I/Os submitted whose callback has not run yet. */
unsigned bio_ring_inflight(const struct bio_ring *ring);

/**
 * Reaps completions and runs their callbacks (at most `depth` per call; more
 * re-signal the eventfd). When none is ready and I/O is in flight, waits up to
 * `max_wait_us` for one. Returns the number of callbacks run, or -DER_BUSY
 * when called from inside a callback, or -DER_IO when the ring fails.
 */
int bio_ring_poll(struct bio_ring *ring, uint64_t max_wait_us);

/**
 * Reads (writes) the iovec at blob offset `off`. Every iov_base and iov_len
 * and `off` must be BIO_ALIGN-aligned, 1..BIO_IOV_MAX segments, total length
 * 1..BIO_IO_SIZE_MAX, and [off, off + total) inside the blob, and the blob
 * inside its device: else -DER_INVAL (nothing is submitted). The iovec array
 * is copied; the buffers must stay valid until the callback. A write to a
 * FAILED device: -DER_NVME_IO. Ring full: -DER_AGAIN.
 */
int bio_submit_read(struct bio_ring *ring, const struct bio_blob *bb, uint64_t off,
		    const struct iovec *iov, unsigned iovcnt, bio_io_cb_t cb, void *arg);
int bio_submit_write(struct bio_ring *ring, const struct bio_blob *bb, uint64_t off,
		     const struct iovec *iov, unsigned iovcnt, bio_io_cb_t cb, void *arg);

/**
 * Makes durable every write of `dev` whose callback ran before this call
 * (fdatasync). Failure puts the device in the FAILED state. A FAILED device:
 * -DER_NVME_IO at once.
 */
int bio_submit_flush(struct bio_ring *ring, struct bio_dev *dev, bio_io_cb_t cb, void *arg);

/**
 * Deallocates [off, off + len) of the blob (punch hole; reads then return
 * zeros). Advisory: -DER_NOTSUPPORTED in the callback when the device cannot,
 * errors are counted but do not fail the device.
 */
int bio_submit_unmap(struct bio_ring *ring, const struct bio_blob *bb, uint64_t off,
		     uint64_t len, bio_io_cb_t cb, void *arg);

/*
 * Synchronous helpers: submit, then poll the ring until this I/O completes
 * (running other completions' callbacks too). They wait for as long as the
 * kernel takes: the buffer must not be released while the device may still
 * use it. Not callable from a callback (-DER_BUSY). Same errors as above.
 */
int bio_read(struct bio_ring *ring, const struct bio_blob *bb, uint64_t off, void *buf,
	     size_t len);
int bio_write(struct bio_ring *ring, const struct bio_blob *bb, uint64_t off, const void *buf,
	      size_t len);
int bio_flush(struct bio_ring *ring, struct bio_dev *dev);
int bio_unmap(struct bio_ring *ring, const struct bio_blob *bb, uint64_t off, uint64_t len);

/* ---- Aligned buffer pool ------------------------------------------------ */

struct bio_buf_pool;

/**
 * Creates `nr` (1..BIO_BUF_NR_MAX) buffers of `buf_size` bytes (a multiple of
 * BIO_ALIGN, at most BIO_BUF_SIZE_MAX, nr * buf_size at most
 * BIO_BUF_POOL_BYTES_MAX), BIO_ALIGN-aligned, in one allocation made here.
 * Errors: -DER_INVAL, -DER_NOMEM. One thread uses a pool.
 */
int bio_buf_pool_create(size_t buf_size, unsigned nr, struct bio_buf_pool **pool);

/** Frees the pool; every buffer must have been put back (asserted). */
void bio_buf_pool_destroy(struct bio_buf_pool *pool);

/** A free buffer, or NULL when all are in use (never allocates). */
void *bio_buf_get(struct bio_buf_pool *pool);

/** Returns a buffer from bio_buf_get() of this pool (asserted, as is double put). */
void bio_buf_put(struct bio_buf_pool *pool, void *buf);

/** Buffers currently free. */
unsigned bio_buf_avail(const struct bio_buf_pool *pool);

/** Fewest buffers that were ever free at once (how close the pool came to exhaustion). */
unsigned bio_buf_low_water(const struct bio_buf_pool *pool);

/* ---- Fault injection ---------------------------------------------------- */

/**
 * Makes the next `count` operations of `dev` whose type is in `ops_mask`
 * (enum bio_op bits) fail. An injected failure is completed through the ring
 * like a real one: the callback gets -DER_NVME_IO, the error counters move,
 * and a failed write or flush puts the device in the FAILED state. count 0
 * disarms. Errors: -DER_INVAL (mask 0 or unknown bits, count above
 * BIO_FAULT_COUNT_MAX). Re-arming replaces the previous setting.
 */
int bio_fault_inject(struct bio_dev *dev, unsigned ops_mask, unsigned count);

/** Injected failures still pending on a device. */
unsigned bio_fault_pending(const struct bio_dev *dev);

/** One parsed D_BIO_FAULT rule. */
struct bio_fault_rule {
	char     bfr_dev[BIO_PATH_MAX]; /**< absolute device path */
	unsigned bfr_ops;               /**< enum bio_op mask */
	unsigned bfr_count;             /**< failures to inject */
};

/**
 * Parses a fault specification: rules separated by ';', each a ','-separated
 * list of key=value with keys `dev` (absolute path, required), `op` (read,
 * write, flush (alias sync), unmap or all, several joined by '+', required) and
 * `count` (1..BIO_FAULT_COUNT_MAX, default 1), e.g.
 * "dev=/var/tmp/bdev0,op=write,count=3;dev=/var/tmp/bdev1,op=read+flush".
 * Paths containing ',' ';' or '=' cannot be named. Fills rules[0..*nr).
 * Errors: -DER_INVAL with the reason in errbuf (e.g. "rule 1: unknown op
 * 'wrte' (expected read, write, flush, sync, unmap or all)").
 */
int bio_fault_parse(const char *spec, struct bio_fault_rule *rules, unsigned max, unsigned *nr,
		    char *errbuf, size_t errlen);

/**
 * Reads D_BIO_FAULT and replaces the process's pending rules with it (unset
 * or empty clears them). Each rule arms, once, the next device opened whose
 * file is the rule's path (same inode): call it before opening devices.
 * Errors: -DER_INVAL with "D_BIO_FAULT: <reason>" in errbuf (the pending
 * rules are then cleared).
 */
int bio_fault_from_env(char *errbuf, size_t errlen);

/** Number of parsed rules not yet applied to a device. */
unsigned bio_fault_rules_pending(void);

/* ---- Per-server metadata (SMD) ----------------------------------------- */

/** Device states (persisted by name). */
enum bio_dev_state {
	BIO_STATE_NORMAL    = 0, /**< in use */
	BIO_STATE_FAULTY    = 1, /**< failed I/O or set faulty; its targets must be rebuilt */
	BIO_STATE_EVICTED   = 2, /**< taken out by the administrator (dmg set nvme-faulty) */
	BIO_STATE_NEW       = 3, /**< added as a replacement, not yet in use */
	BIO_STATE_UNPLUGGED = 4, /**< removed from the server */
};

/** LED states; the values are DAOS's (NA 0, QUICK_BLINK 1, ON 2, SLOW_BLINK 3, OFF 4). */
enum bio_led_state {
	BIO_LED_NA          = 0,
	BIO_LED_QUICK_BLINK = 1,
	BIO_LED_ON          = 2,
	BIO_LED_SLOW_BLINK  = 3,
	BIO_LED_OFF         = 4,
};

/** "NORMAL", "FAULTY", ...; NULL for a value out of range. */
const char *bio_dev_state_str(enum bio_dev_state st);
/** "NA", "QUICK_BLINK", ...; NULL for a value out of range. */
const char *bio_led_state_str(enum bio_led_state led);

/** A device as recorded in SMD. */
struct bio_smd_dev {
	uuid_t             sd_uuid;
	char               sd_tr_addr[BIO_PATH_MAX]; /**< transport address: the file or /dev path */
	enum bio_dev_class sd_class;
	uint64_t           sd_size;                  /**< bytes, a multiple of BIO_ALIGN */
	uint32_t           sd_tgts[BIO_TGT_MAX];     /**< targets whose blobs it holds */
	unsigned           sd_tgt_nr;
	enum bio_dev_state sd_state;
	enum bio_led_state sd_led;
	uint64_t           sd_used;                  /**< bytes allocated to blobs (output only) */
};

/** One (pool, target) blob as recorded in SMD. */
struct bio_smd_blob {
	uuid_t   sb_pool;
	uint32_t sb_tgt;
	uuid_t   sb_dev;
	uint64_t sb_id;
	uint64_t sb_off;
	uint64_t sb_size;
};

struct bio_smd;

/**
 * Opens (or starts empty) the SMD in directory `dir` (the SCM mount), file
 * BIO_SMD_FILE, and locks the directory against a second opener (-DER_BUSY).
 * Every check of the file is done here; a refused file gives the file name
 * and the problem in errbuf:
 *   -DER_DF_INCOMPT  layout version not BIO_SMD_VERSION;
 *   -DER_DF_INVAL    anything malformed (empty, truncated, bad JSON, missing or
 *                    unknown fields, wrong types, bad UUIDs, out-of-range values,
 *                    overlaps, tables that disagree);
 *   -DER_NONEXIST / -DER_NOTDIR  dir; -DER_INVAL arguments; -DER_NOMEM; -DER_IO.
 */
int bio_smd_open(const char *dir, struct bio_smd **smd, char *errbuf, size_t errlen);

/** Releases the SMD (every change is already on disk). */
void bio_smd_close(struct bio_smd *smd);

/*
 * Every mutation below is written through: the file is rewritten atomically
 * (temporary file, fsync, rename, fsync of the directory) before the call
 * returns 0. If writing fails before the rename, the change is undone and the
 * error returned (-DER_IO, -DER_NOSPACE). If only the directory fsync fails,
 * the change may or may not be durable: the handle becomes FAILED, the call
 * and every later mutation return -DER_IO; close and reopen to learn the state.
 */

/**
 * Adds a device (sd_used ignored). Errors: -DER_INVAL (empty or too long
 * address, bad class, size 0/unaligned/too large, bad state or LED, target id
 * out of range or repeated, more than BIO_TGT_MAX targets), -DER_EXIST (same
 * UUID or address, or a target already mapped to another device),
 * -DER_OVERFLOW (BIO_SMD_DEV_MAX devices).
 */
int bio_smd_dev_add(struct bio_smd *smd, const struct bio_smd_dev *dev);

/** Copies a device's record (with sd_used). -DER_NONEXIST when unknown. */
int bio_smd_dev_get(struct bio_smd *smd, const uuid_t dev_uuid, struct bio_smd_dev *out);

/** Sets a device's state. -DER_INVAL (state), -DER_NONEXIST. */
int bio_smd_dev_set_state(struct bio_smd *smd, const uuid_t dev_uuid, enum bio_dev_state st);

/** Sets a device's LED state. -DER_INVAL (led), -DER_NONEXIST. */
int bio_smd_dev_set_led(struct bio_smd *smd, const uuid_t dev_uuid, enum bio_led_state led);

/** Device holding target `tgt`: -DER_NONEXIST when none. */
int bio_smd_tgt_dev(struct bio_smd *smd, uint32_t tgt, uuid_t dev_uuid);

/**
 * Calls cb for every device, in the order added; a non-zero return of cb stops
 * the walk and is returned. cb must not modify the SMD.
 */
int bio_smd_dev_iter(struct bio_smd *smd, int (*cb)(const struct bio_smd_dev *dev, void *arg),
		     void *arg);

/**
 * Carves a blob of `size` bytes (rounded up to BIO_BLOB_ALIGN) for (pool, tgt)
 * on device `dev_uuid`: first fit over the device's free map, offset aligned
 * to BIO_BLOB_ALIGN, a new id (never reused). Errors: -DER_INVAL (size 0 or
 * above the device, target not one of the device's), -DER_NONEXIST (device),
 * -DER_NOTAPPLICABLE (device not NORMAL), -DER_EXIST ((pool, tgt) has a blob),
 * -DER_NOSPACE (no free region fits), -DER_OVERFLOW (BIO_SMD_POOL_MAX pools or
 * BIO_SMD_BLOB_MAX blobs), -DER_NOMEM, write errors.
 */
int bio_smd_blob_alloc(struct bio_smd *smd, const uuid_t pool_uuid, uint32_t tgt,
		       const uuid_t dev_uuid, uint64_t size, struct bio_smd_blob *out);

/**
 * Frees every target's blob of a pool; their regions become free. The caller
 * unmaps the regions first if it wants the space deallocated. -DER_NONEXIST.
 */
int bio_smd_blob_free(struct bio_smd *smd, const uuid_t pool_uuid);

/** The blob of (pool, tgt). -DER_NONEXIST. */
int bio_smd_blob_lookup(struct bio_smd *smd, const uuid_t pool_uuid, uint32_t tgt,
			struct bio_smd_blob *out);

/**
 * Calls cb for every blob, pools in creation order, each pool's blobs in
 * allocation order; a non-zero return stops the walk and is returned.
 */
int bio_smd_blob_iter(struct bio_smd *smd, int (*cb)(const struct bio_smd_blob *blob, void *arg),
		      void *arg);

/** Test hooks: make the next write of the SMD file fail at a stage. */
enum bio_smd_fault {
	BIO_SMD_FAULT_NONE    = 0,
	BIO_SMD_FAULT_WRITE   = 1, /**< fail writing the temporary file (change undone) */
	BIO_SMD_FAULT_DIRSYNC = 2, /**< fail the directory fsync after the rename (handle FAILED) */
};
void bio_smd_fault_inject(struct bio_smd *smd, enum bio_smd_fault where);

#endif /* BIO_BIO_H */
