/*
 * net_common.c: send queues, the receive framer, addresses and time, shared by
 * net_server.c and net_client.c (see net_internal.h).
 *
 * Invariants:
 *  1. A net_txq holds whole messages in FIFO order; only the head may be
 *     partly written, and a partly written buffer is never unlinked except by
 *     net_txq_clear() (the stream would be corrupted otherwise).
 *  2. tq_bytes is the number of unsent bytes in the queue.
 *  3. The framer allocates a body only after its header decoded (so at most
 *     PROTO_BODY_MAX + 1 bytes), and hands out a body only after its CRC matched.
 *  4. rx_head <= rx_tail <= NET_RX_BUF_SIZE; while in a body, buffered bytes
 *     belong to the body first.
 */
#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <daos_errno.h>

#include "net/net_internal.h"

uint64_t
net_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int
net_addr_parse(const char *ip, uint16_t port, struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (ip == NULL)
		return -DER_INVAL;
	if (strchr(ip, ':') == NULL) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		if (inet_pton(AF_INET, ip, &sin->sin_addr) != 1)
			return -DER_INVAL;
		sin->sin_family = AF_INET;
		sin->sin_port   = htons(port);
		*len            = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		if (inet_pton(AF_INET6, ip, &sin6->sin6_addr) != 1)
			return -DER_INVAL;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port   = htons(port);
		*len              = sizeof(*sin6);
	}
	return 0;
}

void
net_addr_format(const struct sockaddr *sa, char *buf)
{
	char ip[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		if (inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip)) == NULL)
			strcpy(ip, "?");
		snprintf(buf, NET_ADDR_STR_MAX, "%s:%u", ip, ntohs(sin->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

		if (inet_ntop(AF_INET6, &sin6->sin6_addr, ip, sizeof(ip)) == NULL)
			strcpy(ip, "?");
		snprintf(buf, NET_ADDR_STR_MAX, "[%s]:%u", ip, ntohs(sin6->sin6_port));
	} else {
		snprintf(buf, NET_ADDR_STR_MAX, "(family %d)", sa->sa_family);
	}
}

/* Is iovec v referenced (not copied) by a buffer built with the range [lo, hi)? */
static bool
sbuf_refs(const struct iovec *v, uintptr_t lo, uintptr_t hi)
{
	uintptr_t base = (uintptr_t)v->iov_base;

	return v->iov_len >= NET_REF_MIN && base >= lo && base < hi && v->iov_len <= hi - base;
}

int
net_sbuf_build_ref(struct proto_hdr *h, const struct iovec *iov, int iovcnt, uintptr_t ref_lo,
		   uintptr_t ref_hi, struct net_sbuf **out)
{
	uint8_t          raw[PROTO_HDR_SIZE];
	struct net_sbuf *sb;
	uint8_t         *p;
	size_t           owned = PROTO_HDR_SIZE;
	uint32_t         nseg  = 1;
	bool             prev_owned = true; /* the header starts an owned run */
	int              rc;

	if (iovcnt < 0 || iovcnt > NET_IOV_MAX)
		return -DER_INVAL;
	/* Checks the iovecs and the total, computes the CRC. */
	rc = proto_frame(h, iov, iovcnt, raw);
	if (rc != 0)
		return rc;
	/* Segments: runs of copied iovecs merge into one owned segment. */
	for (int i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len == 0)
			continue;
		if (sbuf_refs(&iov[i], ref_lo, ref_hi)) {
			nseg++;
			prev_owned = false;
		} else {
			owned += iov[i].iov_len;
			if (!prev_owned)
				nseg++;
			prev_owned = true;
		}
	}
	sb = malloc(sizeof(*sb) + nseg * sizeof(struct iovec) + owned);
	if (sb == NULL)
		return -DER_NOMEM;
	memset(sb, 0, sizeof(*sb));
	sb->sb_len   = PROTO_HDR_SIZE + h->ph_body_len;
	sb->sb_owned = (uint32_t)owned;
	p            = (uint8_t *)(sb->sb_seg + nseg);
	memcpy(p, raw, PROTO_HDR_SIZE);
	sb->sb_seg[0].iov_base = p;
	sb->sb_seg[0].iov_len  = PROTO_HDR_SIZE;
	sb->sb_nseg            = 1;
	p += PROTO_HDR_SIZE;
	for (int i = 0; i < iovcnt; i++) {
		struct iovec *last = &sb->sb_seg[sb->sb_nseg - 1];

		if (iov[i].iov_len == 0)
			continue;
		if (sbuf_refs(&iov[i], ref_lo, ref_hi)) {
			sb->sb_seg[sb->sb_nseg++] = iov[i];
			sb->sb_ref                = true;
			continue;
		}
		memcpy(p, iov[i].iov_base, iov[i].iov_len);
		if ((uint8_t *)last->iov_base + last->iov_len == p) {
			last->iov_len += iov[i].iov_len; /* continues the owned run */
		} else {
			sb->sb_seg[sb->sb_nseg].iov_base = p;
			sb->sb_seg[sb->sb_nseg].iov_len  = iov[i].iov_len;
			sb->sb_nseg++;
		}
		p += iov[i].iov_len;
	}
	assert(sb->sb_nseg == nseg);
	*out = sb;
	return 0;
}

int
net_sbuf_build(struct proto_hdr *h, const struct iovec *iov, int iovcnt, struct net_sbuf **out)
{
	return net_sbuf_build_ref(h, iov, iovcnt, 0, 0, out);
}

/* Is segment i bytes of the buffer's own (not the sender's memory)? */
static bool
sbuf_seg_owned(const struct net_sbuf *sb, uint32_t i)
{
	uintptr_t own  = (uintptr_t)(sb->sb_seg + sb->sb_nseg);
	uintptr_t base = (uintptr_t)sb->sb_seg[i].iov_base;

	return base >= own && base - own < sb->sb_owned;
}

int
net_sbuf_detach(struct net_sbuf *sb)
{
	uint64_t pos  = 0;
	uint64_t need = 0;
	uint8_t *p;

	if (!sb->sb_ref)
		return 0;
	/* Referenced segments not wholly written yet are copied whole. */
	for (uint32_t i = 0; i < sb->sb_nseg; pos += sb->sb_seg[i].iov_len, i++)
		if (pos + sb->sb_seg[i].iov_len > sb->sb_off && !sbuf_seg_owned(sb, i))
			need += sb->sb_seg[i].iov_len;
	if (need > 0) {
		p = malloc(need);
		if (p == NULL)
			return -DER_NOMEM;
		sb->sb_detached = p;
		pos             = 0;
		for (uint32_t i = 0; i < sb->sb_nseg; pos += sb->sb_seg[i].iov_len, i++) {
			struct iovec *seg = &sb->sb_seg[i];

			if (pos + seg->iov_len <= sb->sb_off || sbuf_seg_owned(sb, i))
				continue;
			memcpy(p, seg->iov_base, seg->iov_len);
			seg->iov_base = p;
			p += seg->iov_len;
		}
	}
	sb->sb_ref = false;
	return 0;
}

void
net_sbuf_free(struct net_sbuf *sb)
{
	if (sb->sb_owner != NULL)
		*sb->sb_owner = NULL;
	if (sb->sb_release != NULL)
		sb->sb_release(sb->sb_release_arg);
	free(sb->sb_detached);
	free(sb);
}

void
net_txq_push(struct net_txq *q, struct net_sbuf *sb)
{
	sb->sb_next = NULL;
	if (q->tq_tail == NULL)
		q->tq_head = sb;
	else
		q->tq_tail->sb_next = sb;
	q->tq_tail = sb;
	q->tq_bytes += sb->sb_len;
}

void
net_txq_clear(struct net_txq *q)
{
	struct net_sbuf *sb;

	while ((sb = q->tq_head) != NULL) {
		q->tq_head = sb->sb_next;
		net_sbuf_free(sb);
	}
	q->tq_tail  = NULL;
	q->tq_bytes = 0;
}

bool
net_txq_drop_unsent(struct net_txq *q, struct net_sbuf *sb)
{
	struct net_sbuf *prev = NULL;
	struct net_sbuf *cur;

	if (sb->sb_off != 0)
		return false; /* invariant 1 */
	for (cur = q->tq_head; cur != NULL; prev = cur, cur = cur->sb_next) {
		if (cur != sb)
			continue;
		if (prev == NULL)
			q->tq_head = sb->sb_next;
		else
			prev->sb_next = sb->sb_next;
		if (q->tq_tail == sb)
			q->tq_tail = prev;
		q->tq_bytes -= sb->sb_len;
		net_sbuf_free(sb);
		return true;
	}
	return false;
}

int
net_txq_flush(struct net_txq *q, int fd, struct net_tx_done *done)
{
	while (q->tq_head != NULL) {
		struct iovec     iov[NET_TX_IOV_MAX];
		struct msghdr    mh = {0};
		struct net_sbuf *sb;
		ssize_t          n;
		int              cnt  = 0;
		int              msgs = 0;

		/* A message that lost its bytes (a failed detach) ends the stream. */
		if (q->tq_head->sb_nseg == 0)
			return -EPIPE;
		/* The unwritten segments of up to NET_TX_BATCH messages. */
		for (sb = q->tq_head; sb != NULL && msgs < NET_TX_BATCH && cnt < NET_TX_IOV_MAX;
		     sb = sb->sb_next, msgs++) {
			uint64_t pos = 0;

			if (sb->sb_nseg == 0)
				break;

			for (uint32_t i = 0; i < sb->sb_nseg && cnt < NET_TX_IOV_MAX; i++) {
				const struct iovec *seg = &sb->sb_seg[i];
				uint64_t            end = pos + seg->iov_len;

				if (end > sb->sb_off) {
					uint64_t skip = pos < sb->sb_off ? sb->sb_off - pos : 0;

					iov[cnt].iov_base = (uint8_t *)seg->iov_base + skip;
					iov[cnt].iov_len  = seg->iov_len - skip;
					cnt++;
				}
				pos = end;
			}
		}
		mh.msg_iov    = iov;
		mh.msg_iovlen = (size_t)cnt;
		/* MSG_NOSIGNAL: a peer that went away is an error code, not SIGPIPE. */
		n = sendmsg(fd, &mh, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -errno;
		}
		q->tq_bytes -= (uint64_t)n;
		while (n > 0) {
			sb = q->tq_head;
			assert(sb != NULL);
			if ((size_t)n < sb->sb_len - sb->sb_off) {
				sb->sb_off += (uint32_t)n;
				break;
			}
			n -= sb->sb_len - sb->sb_off;
			q->tq_head = sb->sb_next;
			if (q->tq_head == NULL)
				q->tq_tail = NULL;
			if (sb->sb_counted && done != NULL) {
				done->td_counted++;
				done->td_counted_bytes += sb->sb_len;
			}
			net_sbuf_free(sb);
		}
	}
	return 0;
}

int
net_rx_init(struct net_rx *rx)
{
	memset(rx, 0, sizeof(*rx));
	rx->rx_buf = malloc(NET_RX_BUF_SIZE);
	return rx->rx_buf == NULL ? -DER_NOMEM : 0;
}

void
net_rx_fini(struct net_rx *rx)
{
	free(rx->rx_buf);
	free(rx->rx_base);
	memset(rx, 0, sizeof(*rx));
}

bool
net_rx_buffered(const struct net_rx *rx)
{
	return rx->rx_tail > rx->rx_head;
}

bool
net_rx_partial(const struct net_rx *rx)
{
	return rx->rx_in_body || rx->rx_tail > rx->rx_head;
}

ssize_t
net_rx_fill(struct net_rx *rx, int fd)
{
	ssize_t n;

	for (;;) {
		if (rx->rx_in_body && rx->rx_head == rx->rx_tail &&
		    rx->rx_hdr.ph_body_len - rx->rx_body_off >= NET_RX_DIRECT_MIN) {
			/* Large body: straight into its allocation, no copy. */
			n = read(fd, rx->rx_body + rx->rx_body_off,
				 rx->rx_hdr.ph_body_len - rx->rx_body_off);
			if (n > 0)
				rx->rx_body_off += (uint32_t)n;
		} else {
			if (rx->rx_head == rx->rx_tail) {
				rx->rx_head = 0;
				rx->rx_tail = 0;
			} else if (rx->rx_tail == NET_RX_BUF_SIZE) {
				memmove(rx->rx_buf, rx->rx_buf + rx->rx_head,
					rx->rx_tail - rx->rx_head);
				rx->rx_tail -= rx->rx_head;
				rx->rx_head = 0;
			}
			/* A full buffer always holds a header, so the framer drains it first. */
			assert(rx->rx_tail < NET_RX_BUF_SIZE);
			n = read(fd, rx->rx_buf + rx->rx_tail, NET_RX_BUF_SIZE - rx->rx_tail);
			if (n > 0)
				rx->rx_tail += (uint32_t)n;
		}
		if (n >= 0)
			return n;
		if (errno != EINTR)
			return -errno;
	}
}

/* Little-endian fields read from a raw header that did not decode. */
static uint64_t
net_raw_u64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

/*
 * Allocate the body of the message whose header was just taken. A large
 * OBJ_UPDATE request on a receiver that asks for it is placed so that its data
 * starts NET_RX_ALIGN-aligned, when the buffered bytes after the header hold
 * its descriptors (proto_obj_update_data_off()); any other body is malloc'ed.
 */
static int
rx_body_alloc(struct net_rx *rx)
{
	size_t len = (size_t)rx->rx_hdr.ph_body_len + 1;
	size_t pad = 0;
	size_t off;

	if (rx->rx_align && rx->rx_hdr.ph_opcode == PROTO_OP_OBJ_UPDATE &&
	    !(rx->rx_hdr.ph_flags & PROTO_F_REPLY) && rx->rx_hdr.ph_body_len >= NET_RX_DIRECT_MIN &&
	    proto_obj_update_data_off(rx->rx_buf + rx->rx_head, rx->rx_tail - rx->rx_head,
				      &off) == 0) {
		pad         = (NET_RX_ALIGN - off % NET_RX_ALIGN) % NET_RX_ALIGN;
		rx->rx_base = aligned_alloc(NET_RX_ALIGN, (pad + len + NET_RX_ALIGN - 1) /
							      NET_RX_ALIGN * NET_RX_ALIGN);
	} else {
		rx->rx_base = malloc(len);
	}
	if (rx->rx_base == NULL)
		return -DER_NOMEM;
	rx->rx_body = rx->rx_base + pad;
	return 0;
}

int
net_rx_next(struct net_rx *rx, struct net_msg *msg, char *errbuf, size_t errlen,
	    uint64_t *err_rpc_id, uint16_t *err_opcode)
{
	uint32_t avail;
	uint32_t need;
	int      rc;

	*err_rpc_id = 0;
	*err_opcode = PROTO_OP_PING;
	if (!rx->rx_in_body) {
		if (rx->rx_tail - rx->rx_head < PROTO_HDR_SIZE)
			return 0;
		memcpy(rx->rx_raw, rx->rx_buf + rx->rx_head, PROTO_HDR_SIZE);
		rx->rx_head += PROTO_HDR_SIZE;
		rc = proto_hdr_decode(rx->rx_raw, PROTO_HDR_SIZE, &rx->rx_hdr, errbuf, errlen);
		if (rc != 0) {
			/* The rpc id sits after magic and version, trusted only when both
			 * match (another version may lay out the rest differently). */
			if (rx->rx_raw[0] == 'D' && rx->rx_raw[1] == 'A' && rx->rx_raw[2] == 'O' &&
			    rx->rx_raw[3] == 'S' && rx->rx_raw[4] == PROTO_VERSION &&
			    rx->rx_raw[5] == 0) {
				uint16_t op = (uint16_t)(rx->rx_raw[6] | rx->rx_raw[7] << 8);

				*err_rpc_id = net_raw_u64(rx->rx_raw + 16);
				if (proto_opcode_name(op) != NULL)
					*err_opcode = op;
			}
			return rc;
		}
		/* Invariant 3: the length is bounded by the decoder. */
		assert(rx->rx_hdr.ph_body_len <= PROTO_BODY_MAX);
		if (rx_body_alloc(rx) != 0)
			return -DER_NOMEM;
		rx->rx_body[rx->rx_hdr.ph_body_len] = '\0';
		rx->rx_body_off = 0;
		rx->rx_in_body  = true;
	}

	need  = rx->rx_hdr.ph_body_len - rx->rx_body_off;
	avail = rx->rx_tail - rx->rx_head;
	if (avail > need)
		avail = need;
	if (avail > 0) {
		memcpy(rx->rx_body + rx->rx_body_off, rx->rx_buf + rx->rx_head, avail);
		rx->rx_body_off += avail;
		rx->rx_head += avail;
	}
	if (rx->rx_body_off < rx->rx_hdr.ph_body_len)
		return 0;

	rx->rx_in_body = false;
	*err_rpc_id    = rx->rx_hdr.ph_rpc_id;
	*err_opcode    = rx->rx_hdr.ph_opcode;
	rc = proto_check_crc(rx->rx_raw, &rx->rx_hdr, rx->rx_body, errbuf, errlen);
	if (rc != 0) {
		free(rx->rx_base);
		rx->rx_base = NULL;
		rx->rx_body = NULL;
		return rc;
	}
	msg->m_hdr  = rx->rx_hdr;
	msg->m_body = rx->rx_body;
	msg->m_base = rx->rx_base;
	rx->rx_body = NULL;
	rx->rx_base = NULL;
	return 1;
}
