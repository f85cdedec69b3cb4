/*
 * bio_internal.h: what the files of src/bio share and callers must not see:
 * the device structure, its counters and failed state, and the fault hooks
 * that the ring calls on its I/O path.
 */
#ifndef BIO_INTERNAL_H
#define BIO_INTERNAL_H

#include <stdatomic.h>
#include <sys/types.h>

#include "bio/bio.h"

/* Counter slots, in the order of struct bio_counters. */
enum bio_ctr {
	BIO_C_READ_OPS,
	BIO_C_WRITE_OPS,
	BIO_C_FLUSH_OPS,
	BIO_C_UNMAP_OPS,
	BIO_C_BYTES_READ,
	BIO_C_BYTES_WRITTEN,
	BIO_C_READ_ERRS,
	BIO_C_WRITE_ERRS,
	BIO_C_FLUSH_ERRS,
	BIO_C_UNMAP_ERRS,
	BIO_C_CSUM_ERRS,
	BIO_C_NR,
};

struct bio_ctrs {
	_Atomic uint64_t bcs_v[BIO_C_NR];
};

/* Copies counters into the public struct, field by field. */
void bio_ctrs_snapshot(const struct bio_ctrs *c, struct bio_counters *out);

/*
 * An open device. Everything but the atomics is written once in bio_dev_open()
 * and read-only afterwards, so any target thread may use the device.
 */
struct bio_dev {
	int                bd_fd;
	enum bio_dev_class bd_class;
	bool               bd_direct;
	uint64_t           bd_size;
	dev_t              bd_st_dev; /* identity, to match fault rules */
	ino_t              bd_st_ino;
	/* Failed state: 0 while healthy, then (op << 16 | errno) of the first failure. */
	_Atomic uint32_t   bd_failed;
	/* I/Os of this device in flight on any ring: must be 0 at close. */
	_Atomic unsigned   bd_inflight;
	/* Fault switch: ops mask, then failures left (decremented with CAS). */
	_Atomic unsigned   bd_fault_ops;
	_Atomic unsigned   bd_fault_count;
	struct bio_ctrs    bd_ctrs;
	char               bd_path[BIO_PATH_MAX];
};

/* Records the first failure of a write or flush; later ones keep the first. */
void bio_dev_fail(struct bio_dev *dev, enum bio_op op, int err);

/* True once the device is FAILED. */
static inline bool
bio_dev_is_failed(const struct bio_dev *dev)
{
	return atomic_load_explicit(&dev->bd_failed, memory_order_acquire) != 0;
}

/* Consumes one injected failure for `op` if the switch is armed for it. */
bool bio_fault_take(struct bio_dev *dev, enum bio_op op);

/* Applies (and consumes) the pending D_BIO_FAULT rules that name `dev`. */
void bio_fault_apply_rules(struct bio_dev *dev);



#include "gurt/errbuf.h"

#endif /* BIO_INTERNAL_H */
