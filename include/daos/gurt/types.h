/*
 * gurt/types.h: I/O vectors and scatter-gather lists, with DAOS's names and
 * layouts, so applications written for DAOS compile and run unchanged.
 */
#ifndef GURT_TYPES_H
#define GURT_TYPES_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** One memory buffer: capacity iov_buf_len, of which iov_len bytes are valid. */
typedef struct {
	void  *iov_buf;
	size_t iov_buf_len;
	size_t iov_len;
} d_iov_t;

/** A list of buffers; sg_nr_out tells how many a fetch filled. */
typedef struct {
	uint32_t sg_nr;
	uint32_t sg_nr_out;
	d_iov_t *sg_iovs;
} d_sg_list_t;

typedef uint32_t d_rank_t;

static inline void
d_iov_set(d_iov_t *iov, void *buf, size_t size)
{
	iov->iov_buf     = buf;
	iov->iov_len     = size;
	iov->iov_buf_len = size;
}

#ifdef __cplusplus
}
#endif

#endif /* GURT_TYPES_H */
