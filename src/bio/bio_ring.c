/*
 * bio_ring.c: one io_uring ring per target thread; asynchronous reads,
 * writes, flushes and unmaps of blobs, their completion, and synchronous
 * helpers built on them.
 *
 * A request's life:
 *     free list --submit--> in flight (SQE in the ring, or an injected NOP)
 *               --CQE reaped by bio_ring_poll--> counters, failed state,
 *               back on the free list --> callback runs
 *
 * Invariants
 *   R1. rg_inflight == number of requests not on the free list <= rg_depth,
 *       which is at most the SQ size and half the CQ size, so the CQ never
 *       overflows and io_uring_get_sqe() only fails transiently.
 *   R2. No allocation and no lock after bio_ring_create(): requests and their
 *       iovec copies are preallocated; device counters are atomics.
 *   R3. Every request accepted by a bio_submit_*() call completes through
 *       ring_complete() exactly once, which runs its callback exactly once.
 *   R4. Nothing is submitted outside the blob, nor outside the device:
 *       io_check()/unmap_check() run before a request is taken.
 *   R5. A write or flush that fails (real error, short write, injected fault)
 *       fails the device (bio_dev_fail()); while the device is FAILED, writes,
 *       flushes and unmaps are refused before submission, and a flush that
 *       completes after the failure reports -DER_NVME_IO.
 *   R6. Callbacks run with rg_in_cb set; poll, the sync helpers and destroy
 *       refuse to run from a callback (no unbounded recursion).
 *   R7. The eventfd is readable whenever reaped-but-unprocessed CQEs remain
 *       after a poll (the kernel signals new ones itself).
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <daos_errno.h>

#include "gurt/errbuf.h"
#include "bio/bio_internal.h"

/* How long a sync helper sleeps in one poll; it polls again until its I/O completes. */
#define BIO_SYNC_POLL_US 1000000ULL

struct bio_req {
	struct bio_req *rq_next; /* free list link */
	struct bio_dev *rq_dev;
	bio_io_cb_t     rq_cb;
	void           *rq_arg;
	uint64_t        rq_len;
	enum bio_op     rq_op;
	bool            rq_injected;
	struct iovec    rq_iov[BIO_IOV_MAX];
};

struct bio_ring {
	struct io_uring rg_uring;
	int             rg_efd;
	uint32_t        rg_tgt;
	unsigned        rg_depth;
	unsigned        rg_inflight;
	bool            rg_in_cb;
	struct bio_req *rg_reqs;
	struct bio_req *rg_free;
	/* Written by the owner thread only, read by any: relaxed load + store. */
	struct bio_ctrs rg_ctrs;
};

static inline void
ring_ctr_add(struct bio_ring *ring, enum bio_ctr c, uint64_t n)
{
	uint64_t v = atomic_load_explicit(&ring->rg_ctrs.bcs_v[c], memory_order_relaxed);

	atomic_store_explicit(&ring->rg_ctrs.bcs_v[c], v + n, memory_order_relaxed);
}

static inline void
dev_ctr_add(struct bio_dev *dev, enum bio_ctr c, uint64_t n)
{
	atomic_fetch_add_explicit(&dev->bd_ctrs.bcs_v[c], n, memory_order_relaxed);
}

static void
ctr_add(struct bio_ring *ring, struct bio_dev *dev, enum bio_ctr c, uint64_t n)
{
	ring_ctr_add(ring, c, n);
	dev_ctr_add(dev, c, n);
}

void
bio_ring_counters(const struct bio_ring *ring, struct bio_counters *out)
{
	bio_ctrs_snapshot(&ring->rg_ctrs, out);
}

void
bio_csum_error(struct bio_ring *ring, struct bio_dev *dev)
{
	if (ring != NULL)
		ring_ctr_add(ring, BIO_C_CSUM_ERRS, 1);
	if (dev != NULL)
		dev_ctr_add(dev, BIO_C_CSUM_ERRS, 1);
}

int
bio_ring_create(uint32_t tgt_id, unsigned depth, struct bio_ring **ringp)
{
	struct bio_ring *ring;
	int              rc;

	if (ringp == NULL || depth == 0 || depth > BIO_RING_DEPTH_MAX ||
	    (tgt_id >= BIO_TGT_MAX && tgt_id != BIO_TGT_NONE))
		return -DER_INVAL;

	ring = calloc(1, sizeof(*ring));
	if (ring == NULL)
		return -DER_NOMEM;
	ring->rg_efd  = -1;
	ring->rg_reqs = calloc(depth, sizeof(*ring->rg_reqs));
	if (ring->rg_reqs == NULL) {
		rc = -DER_NOMEM;
		goto err_ring;
	}
	rc = io_uring_queue_init(depth, &ring->rg_uring, 0);
	if (rc < 0) {
		/* EPERM: kernel.io_uring_disabled; ENOSYS: no io_uring at all. */
		rc = (rc == -ENOSYS || rc == -EPERM) ? -DER_NOSYS : d_errno2der(-rc);
		goto err_reqs;
	}
	ring->rg_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (ring->rg_efd < 0) {
		rc = d_errno2der(errno);
		goto err_uring;
	}
	rc = io_uring_register_eventfd(&ring->rg_uring, ring->rg_efd);
	if (rc < 0) {
		rc = d_errno2der(-rc);
		goto err_efd;
	}
	for (unsigned i = 0; i < depth; i++)
		ring->rg_reqs[i].rq_next = i + 1 < depth ? &ring->rg_reqs[i + 1] : NULL;
	ring->rg_free  = &ring->rg_reqs[0];
	ring->rg_depth = depth;
	ring->rg_tgt   = tgt_id;
	for (int i = 0; i < BIO_C_NR; i++)
		atomic_init(&ring->rg_ctrs.bcs_v[i], 0);
	*ringp = ring;
	return 0;

err_efd:
	close(ring->rg_efd);
err_uring:
	io_uring_queue_exit(&ring->rg_uring);
err_reqs:
	free(ring->rg_reqs);
err_ring:
	free(ring);
	return rc;
}

int
bio_ring_fd(const struct bio_ring *ring)
{
	return ring->rg_efd;
}

unsigned
bio_ring_inflight(const struct bio_ring *ring)
{
	return ring->rg_inflight;
}

/* Hands prepared SQEs to the kernel. Transient refusals are retried by the next poll. */
static int
ring_flush_sq(struct bio_ring *ring)
{
	int rc;

	if (io_uring_sq_ready(&ring->rg_uring) == 0)
		return 0;
	rc = io_uring_submit(&ring->rg_uring);
	if (rc >= 0 || rc == -EAGAIN || rc == -EBUSY || rc == -EINTR)
		return 0;
	return -DER_IO;
}

/* Takes a request and an SQE, or -DER_AGAIN when the ring is full (R1). */
static int
ring_req_get(struct bio_ring *ring, struct bio_req **reqp, struct io_uring_sqe **sqep)
{
	struct io_uring_sqe *sqe;

	if (ring->rg_free == NULL)
		return -DER_AGAIN;
	sqe = io_uring_get_sqe(&ring->rg_uring);
	if (sqe == NULL) {
		(void)ring_flush_sq(ring);
		sqe = io_uring_get_sqe(&ring->rg_uring);
		if (sqe == NULL)
			return -DER_AGAIN;
	}
	*reqp         = ring->rg_free;
	ring->rg_free = (*reqp)->rq_next;
	*sqep         = sqe;
	return 0;
}

/* Prepares and submits one checked request (R4 holds for every caller). */
static int
ring_submit(struct bio_ring *ring, enum bio_op op, struct bio_dev *dev, uint64_t dev_off,
	    const struct iovec *iov, unsigned iovcnt, uint64_t len, bio_io_cb_t cb, void *arg)
{
	struct io_uring_sqe *sqe;
	struct bio_req      *req;
	int                  rc;

	if (ring == NULL)
		return -DER_INVAL;
	rc = ring_req_get(ring, &req, &sqe);
	if (rc != 0)
		return rc;
	req->rq_dev      = dev;
	req->rq_cb       = cb;
	req->rq_arg      = arg;
	req->rq_len      = len;
	req->rq_op       = op;
	req->rq_injected = bio_fault_take(dev, op);
	if (req->rq_injected) {
		/* Completes through the CQ like the real I/O would (indistinguishable). */
		io_uring_prep_nop(sqe);
	} else {
		switch (op) {
		case BIO_OP_READ:
		case BIO_OP_WRITE:
			memcpy(req->rq_iov, iov, iovcnt * sizeof(*iov));
			if (op == BIO_OP_READ)
				io_uring_prep_readv(sqe, dev->bd_fd, req->rq_iov, iovcnt, dev_off);
			else
				io_uring_prep_writev(sqe, dev->bd_fd, req->rq_iov, iovcnt, dev_off);
			break;
		case BIO_OP_FLUSH:
			io_uring_prep_fsync(sqe, dev->bd_fd, IORING_FSYNC_DATASYNC);
			break;
		case BIO_OP_UNMAP:
			io_uring_prep_fallocate(sqe, dev->bd_fd,
						FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
						(off_t)dev_off, (off_t)len);
			break;
		default:
			assert(0 && "unknown op");
		}
	}
	io_uring_sqe_set_data(sqe, req);
	ring->rg_inflight++;
	atomic_fetch_add_explicit(&dev->bd_inflight, 1, memory_order_relaxed);
	/* A failed submit leaves the SQE queued; bio_ring_poll() retries and reports. */
	(void)ring_flush_sq(ring);
	return 0;
}

/* Accounts one completion and runs its callback (R3, R5, R6). */
static void
ring_complete(struct bio_ring *ring, struct bio_req *req, int res)
{
	struct bio_dev *dev = req->rq_dev;
	enum bio_op     op  = req->rq_op;
	bio_io_cb_t     cb  = req->rq_cb;
	void           *arg = req->rq_arg;
	int             err = 0;
	int             rc  = 0;

	if (req->rq_injected)
		err = EIO;
	else if (res < 0)
		err = -res;
	else if ((op == BIO_OP_READ || op == BIO_OP_WRITE) && (uint64_t)res != req->rq_len)
		err = EIO; /* short transfer inside the device: treated as a media error */

	switch (op) {
	case BIO_OP_READ:
		ctr_add(ring, dev, BIO_C_READ_OPS, 1);
		if (err == 0)
			ctr_add(ring, dev, BIO_C_BYTES_READ, req->rq_len);
		else
			ctr_add(ring, dev, BIO_C_READ_ERRS, 1);
		break;
	case BIO_OP_WRITE:
		ctr_add(ring, dev, BIO_C_WRITE_OPS, 1);
		if (err == 0)
			ctr_add(ring, dev, BIO_C_BYTES_WRITTEN, req->rq_len);
		else
			ctr_add(ring, dev, BIO_C_WRITE_ERRS, 1);
		break;
	case BIO_OP_FLUSH:
		ctr_add(ring, dev, BIO_C_FLUSH_OPS, 1);
		if (err != 0)
			ctr_add(ring, dev, BIO_C_FLUSH_ERRS, 1);
		break;
	case BIO_OP_UNMAP:
		ctr_add(ring, dev, BIO_C_UNMAP_OPS, 1);
		if (err != 0 && err != EOPNOTSUPP)
			ctr_add(ring, dev, BIO_C_UNMAP_ERRS, 1);
		break;
	default:
		assert(0 && "unknown op");
	}

	if (err != 0) {
		if (op == BIO_OP_UNMAP && err == EOPNOTSUPP) {
			rc = -DER_NOTSUPPORTED;
		} else {
			if (op == BIO_OP_WRITE || op == BIO_OP_FLUSH)
				bio_dev_fail(dev, op, err);
			rc = -DER_NVME_IO;
		}
	} else if (op == BIO_OP_FLUSH && bio_dev_is_failed(dev)) {
		/* The kernel's 0 cannot vouch for data another failure may have lost. */
		rc = -DER_NVME_IO;
	}

	req->rq_cb    = NULL;
	req->rq_next  = ring->rg_free;
	ring->rg_free = req;
	assert(ring->rg_inflight > 0);
	ring->rg_inflight--;
	atomic_fetch_sub_explicit(&dev->bd_inflight, 1, memory_order_release);

	ring->rg_in_cb = true;
	cb(arg, rc);
	ring->rg_in_cb = false;
}

static void
efd_drain(struct bio_ring *ring)
{
	uint64_t v;

	/* Non-blocking: EAGAIN when nothing was signalled. */
	if (read(ring->rg_efd, &v, sizeof(v)) < 0)
		return;
}

static void
efd_signal(struct bio_ring *ring)
{
	uint64_t one = 1;

	/* Can only fail when the counter would overflow: it is then readable anyway. */
	if (write(ring->rg_efd, &one, sizeof(one)) < 0)
		return;
}

int
bio_ring_poll(struct bio_ring *ring, uint64_t max_wait_us)
{
	struct __kernel_timespec ts;
	struct io_uring_cqe     *cqe;
	struct bio_req          *req;
	unsigned                 n = 0;
	int                      res;
	int                      rc;

	if (ring->rg_in_cb)
		return -DER_BUSY;
	/* Drain first: a CQE posted after this read signals the eventfd again. */
	efd_drain(ring);
	rc = ring_flush_sq(ring);
	if (rc != 0)
		return rc;

	while (n < ring->rg_depth) {
		rc = io_uring_peek_cqe(&ring->rg_uring, &cqe);
		if (rc == -EAGAIN) {
			if (n > 0 || ring->rg_inflight == 0 || max_wait_us == 0)
				break;
			ts.tv_sec   = (long long)(max_wait_us / 1000000);
			ts.tv_nsec  = (long long)(max_wait_us % 1000000) * 1000;
			max_wait_us = 0; /* wait once per call */
			rc          = io_uring_wait_cqe_timeout(&ring->rg_uring, &cqe, &ts);
			if (rc == -ETIME || rc == -EINTR)
				break;
		}
		if (rc < 0)
			return -DER_IO;
		req = io_uring_cqe_get_data(cqe);
		res = cqe->res;
		io_uring_cqe_seen(&ring->rg_uring, cqe);
		assert(req != NULL && req->rq_cb != NULL);
		ring_complete(ring, req, res);
		n++;
	}
	if (io_uring_cq_ready(&ring->rg_uring) > 0)
		efd_signal(ring); /* R7: more than one slice was ready */
	return (int)n;
}

void
bio_ring_destroy(struct bio_ring *ring)
{
	if (ring == NULL)
		return;
	assert(!ring->rg_in_cb);
	while (ring->rg_inflight > 0) {
		int rc = bio_ring_poll(ring, BIO_SYNC_POLL_US);

		/* The kernel owns buffers of in-flight I/O: never free under it. */
		assert(rc >= 0);
	}
	io_uring_unregister_eventfd(&ring->rg_uring);
	io_uring_queue_exit(&ring->rg_uring);
	close(ring->rg_efd);
	free(ring->rg_reqs);
	free(ring);
}

/* The blob must lie inside its device: the struct is the caller's and is re-checked. */
static bool
blob_ok(const struct bio_blob *bb)
{
	const struct bio_dev *dev;

	if (bb == NULL || bb->bb_dev == NULL)
		return false;
	dev = bb->bb_dev;
	return bb->bb_size > 0 && bb->bb_off % BIO_ALIGN == 0 && bb->bb_size % BIO_ALIGN == 0 &&
	       bb->bb_off <= dev->bd_size && bb->bb_size <= dev->bd_size - bb->bb_off;
}

/* R4 for reads and writes; *lenp gets the total length. */
static int
io_check(const struct bio_blob *bb, uint64_t off, const struct iovec *iov, unsigned iovcnt,
	 bio_io_cb_t cb, uint64_t *lenp)
{
	uint64_t len = 0;

	if (!blob_ok(bb) || cb == NULL || iov == NULL || iovcnt == 0 || iovcnt > BIO_IOV_MAX ||
	    off % BIO_ALIGN != 0)
		return -DER_INVAL;
	for (unsigned i = 0; i < iovcnt; i++) {
		if (iov[i].iov_base == NULL || (uintptr_t)iov[i].iov_base % BIO_ALIGN != 0 ||
		    iov[i].iov_len == 0 || iov[i].iov_len % BIO_ALIGN != 0 ||
		    iov[i].iov_len > BIO_IO_SIZE_MAX - len)
			return -DER_INVAL;
		len += iov[i].iov_len;
	}
	if (off > bb->bb_size || len > bb->bb_size - off)
		return -DER_INVAL;
	*lenp = len;
	return 0;
}

int
bio_submit_read(struct bio_ring *ring, const struct bio_blob *bb, uint64_t off,
		const struct iovec *iov, unsigned iovcnt, bio_io_cb_t cb, void *arg)
{
	uint64_t len;
	int      rc;

	rc = io_check(bb, off, iov, iovcnt, cb, &len);
	if (rc != 0)
		return rc;
	return ring_submit(ring, BIO_OP_READ, bb->bb_dev, bb->bb_off + off, iov, iovcnt, len, cb,
			   arg);
}

int
bio_submit_write(struct bio_ring *ring, const struct bio_blob *bb, uint64_t off,
		 const struct iovec *iov, unsigned iovcnt, bio_io_cb_t cb, void *arg)
{
	uint64_t len;
	int      rc;

	rc = io_check(bb, off, iov, iovcnt, cb, &len);
	if (rc != 0)
		return rc;
	if (bio_dev_is_failed(bb->bb_dev))
		return -DER_NVME_IO;
	return ring_submit(ring, BIO_OP_WRITE, bb->bb_dev, bb->bb_off + off, iov, iovcnt, len, cb,
			   arg);
}

int
bio_submit_flush(struct bio_ring *ring, struct bio_dev *dev, bio_io_cb_t cb, void *arg)
{
	if (dev == NULL || cb == NULL)
		return -DER_INVAL;
	if (bio_dev_is_failed(dev))
		return -DER_NVME_IO;
	return ring_submit(ring, BIO_OP_FLUSH, dev, 0, NULL, 0, 0, cb, arg);
}

int
bio_submit_unmap(struct bio_ring *ring, const struct bio_blob *bb, uint64_t off, uint64_t len,
		 bio_io_cb_t cb, void *arg)
{
	if (!blob_ok(bb) || cb == NULL || len == 0 || off % BIO_ALIGN != 0 ||
	    len % BIO_ALIGN != 0 || off > bb->bb_size || len > bb->bb_size - off)
		return -DER_INVAL;
	if (bio_dev_is_failed(bb->bb_dev))
		return -DER_NVME_IO;
	return ring_submit(ring, BIO_OP_UNMAP, bb->bb_dev, bb->bb_off + off, NULL, 0, len, cb, arg);
}

/* ---- Synchronous helpers ---- */

struct sync_ctx {
	bool sc_done;
	int  sc_rc;
};

static void
sync_cb(void *arg, int rc)
{
	struct sync_ctx *sc = arg;

	sc->sc_rc   = rc;
	sc->sc_done = true;
}

/*
 * Waits for a sync helper's request. It cannot give up: the request's buffer
 * and this stack frame belong to the kernel until the CQE arrives.
 */
static int
sync_wait(struct bio_ring *ring, struct sync_ctx *sc)
{
	while (!sc->sc_done) {
		int rc = bio_ring_poll(ring, BIO_SYNC_POLL_US);

		assert(rc >= 0 && "io_uring failed with I/O in flight");
	}
	return sc->sc_rc;
}

enum sync_kind { SYNC_READ, SYNC_WRITE, SYNC_FLUSH, SYNC_UNMAP };

static int
sync_io(struct bio_ring *ring, enum sync_kind kind, const struct bio_blob *bb,
	struct bio_dev *dev, uint64_t off, void *buf, uint64_t len)
{
	struct sync_ctx sc  = {false, 0};
	struct iovec    iov = {.iov_base = buf, .iov_len = len};
	int             rc;

	if (ring == NULL)
		return -DER_INVAL;
	if (ring->rg_in_cb)
		return -DER_BUSY;
	for (;;) {
		switch (kind) {
		case SYNC_READ:
			rc = bio_submit_read(ring, bb, off, &iov, 1, sync_cb, &sc);
			break;
		case SYNC_WRITE:
			rc = bio_submit_write(ring, bb, off, &iov, 1, sync_cb, &sc);
			break;
		case SYNC_FLUSH:
			rc = bio_submit_flush(ring, dev, sync_cb, &sc);
			break;
		default:
			rc = bio_submit_unmap(ring, bb, off, len, sync_cb, &sc);
			break;
		}
		if (rc != -DER_AGAIN)
			break;
		/* Full of asynchronous I/O: let some complete (R1 guarantees progress). */
		rc = bio_ring_poll(ring, BIO_SYNC_POLL_US);
		if (rc < 0)
			return rc;
	}
	if (rc != 0)
		return rc;
	return sync_wait(ring, &sc);
}

int
bio_read(struct bio_ring *ring, const struct bio_blob *bb, uint64_t off, void *buf, size_t len)
{
	return sync_io(ring, SYNC_READ, bb, NULL, off, buf, len);
}

int
bio_write(struct bio_ring *ring, const struct bio_blob *bb, uint64_t off, const void *buf,
	  size_t len)
{
	/* The iovec is not const in POSIX; a write only reads the buffer. */
	return sync_io(ring, SYNC_WRITE, bb, NULL, off, (void *)(uintptr_t)buf, len);
}

int
bio_flush(struct bio_ring *ring, struct bio_dev *dev)
{
	return sync_io(ring, SYNC_FLUSH, NULL, dev, 0, NULL, 0);
}

int
bio_unmap(struct bio_ring *ring, const struct bio_blob *bb, uint64_t off, uint64_t len)
{
	return sync_io(ring, SYNC_UNMAP, bb, NULL, off, NULL, len);
}
