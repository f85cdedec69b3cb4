/*
 * net_internal.h: pieces shared by the server and client halves of the
 * transport (net_common.c): send queues, the receive framer, addresses, time.
 *
 * Send queue: a FIFO of net_sbuf, each one whole message (header + body) as
 * segments, owned bytes in the buffer's allocation or (large iovecs of a
 * message built with references) the sender's memory, written with sendmsg()
 * in batches; the head may be partly written (sb_off). Receive framer: a fixed NET_RX_BUF_SIZE buffer that
 * batches small messages per read(), while a large body is read straight
 * into its own allocation once its header has been validated.
 */
#ifndef NET_NET_INTERNAL_H
#define NET_NET_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "net/net.h"

/** Receive buffer per connection: holds many small messages per read(). */
#define NET_RX_BUF_SIZE     (64u * 1024u)
/** Bodies at least this long are read directly into their allocation. */
#define NET_RX_DIRECT_MIN   (16u * 1024u)
/** read() calls per connection per progress round, so one busy peer cannot
 *  starve the others (level-triggered epoll reports it again). */
#define NET_RX_ROUNDS       16
/** Messages handed to sendmsg() at once. */
#define NET_TX_BATCH        64
/** Messages below this size are not written at once but with the others of the same
 *  round (the client's next progress, the server's end of progress or net_server_flush()),
 *  so that a round of small requests or replies costs one sendmsg per connection instead
 *  of one per message; larger ones are written at once (their copy dominates). */
#define NET_TX_DEFER_MAX    (64u * 1024u)
/** epoll events fetched per round. */
#define NET_EPOLL_EVENTS    64

/** Iovecs handed to one sendmsg() (several messages' segments together). */
#define NET_TX_IOV_MAX      256

/**
 * One outgoing message: sb_nseg segments covering its sb_len bytes in order,
 * each either bytes owned by the buffer (after the segment array) or, for a
 * buffer built with references, the sender's memory, which must then stay
 * valid and unchanged until the buffer is freed or detached.
 */
struct net_sbuf {
	struct net_sbuf  *sb_next;
	struct net_sbuf **sb_owner;       /* set to NULL when the buffer is freed (client call) */
	uint32_t          sb_len;         /* header + body */
	uint32_t          sb_off;         /* bytes already written */
	bool              sb_counted;     /* server: a reply that counts in c_inflight */
	bool              sb_ref;         /* some segments are the sender's memory */
	uint32_t          sb_nseg;
	uint32_t          sb_owned;       /* owned bytes, after the segment array */
	uint8_t          *sb_detached;    /* net_sbuf_detach()'s copy of them, or NULL */
	net_release_t     sb_release;     /* run once when the buffer is freed, or NULL */
	void             *sb_release_arg;
	struct iovec      sb_seg[];       /* then the owned bytes */
};
struct net_txq {
	struct net_sbuf *tq_head;
	struct net_sbuf *tq_tail;
	uint64_t         tq_bytes; /* unsent bytes */
};

/** What net_txq_flush() completed. */
struct net_tx_done {
	uint32_t td_counted;       /* fully written buffers with sb_counted */
	uint64_t td_counted_bytes; /* their sb_len */
};

/** Alignment of the data of a received OBJ_UPDATE body when the receiver asks for it
 *  (net_rx rx_align): the I/O alignment of the blob, so VOS can write from the body. */
#define NET_RX_ALIGN        4096u

struct net_rx {
	uint8_t         *rx_buf; /* NET_RX_BUF_SIZE */
	bool             rx_align; /* place large OBJ_UPDATE bodies so their data is aligned */
	uint32_t         rx_head;
	uint32_t         rx_tail; /* rx_buf[rx_head..rx_tail) is unparsed */
	bool             rx_in_body;
	uint8_t          rx_raw[PROTO_HDR_SIZE];
	struct proto_hdr rx_hdr;
	uint8_t         *rx_body; /* rx_hdr.ph_body_len + 1 bytes, in rx_base's allocation */
	uint8_t         *rx_base; /* the allocation (free() this) */
	uint32_t         rx_body_off;
};

/** A complete, CRC-checked message taken from the framer. */
struct net_msg {
	struct proto_hdr m_hdr;
	uint8_t         *m_body; /* ph_body_len + NUL, inside m_base's allocation */
	uint8_t         *m_base; /* owned by the receiver now: free() this */
};

/** Monotonic clock in nanoseconds. */
uint64_t net_now_ns(void);

/** Parse an IPv4/IPv6 literal and a port into *ss. 0 or -DER_INVAL. */
int net_addr_parse(const char *ip, uint16_t port, struct sockaddr_storage *ss, socklen_t *len);

/** Format an address as "ip:port" ("[ip]:port" for IPv6) into buf of NET_ADDR_STR_MAX. */
void net_addr_format(const struct sockaddr *sa, char *buf);

/**
 * Build a message: header h (body length and CRC filled in) then the iovecs,
 * copied. \return 0 and *out, -DER_INVAL (bad iovecs), -DER_OVERFLOW, -DER_NOMEM.
 */
int net_sbuf_build(struct proto_hdr *h, const struct iovec *iov, int iovcnt,
		   struct net_sbuf **out);

/**
 * As net_sbuf_build(), but an iovec of at least NET_REF_MIN bytes lying wholly
 * inside [ref_lo, ref_hi) is referenced, not copied (the others are copied).
 * The referenced memory must stay valid and unchanged until the buffer is
 * freed (net_txq_flush() once written, net_txq_clear(), net_txq_drop_unsent())
 * or detached.
 */
int net_sbuf_build_ref(struct proto_hdr *h, const struct iovec *iov, int iovcnt,
		       uintptr_t ref_lo, uintptr_t ref_hi, struct net_sbuf **out);

/**
 * Copy the not yet written bytes of sb's referenced segments into memory of its
 * own, so the sender's memory is free again while the rest of the message
 * still goes out. 0 (also when nothing is referenced) or -DER_NOMEM (sb unchanged).
 */
int net_sbuf_detach(struct net_sbuf *sb);

/** Free a buffer that was never queued (running its release). */
void net_sbuf_free(struct net_sbuf *sb);

void net_txq_push(struct net_txq *q, struct net_sbuf *sb);
/** Free every buffer (clearing owners). */
void net_txq_clear(struct net_txq *q);
/** Unlink and free sb if it has not started to go out. \return true if it was freed. */
bool net_txq_drop_unsent(struct net_txq *q, struct net_sbuf *sb);
/**
 * Write what the socket takes. \return 0 (queue empty or socket full), or a
 * negative errno of a failed sendmsg() (the connection is broken); -EPIPE when
 * the head is a message without segments (sb_nseg 0: its bytes were lost, the
 * stream cannot go on).
 */
int net_txq_flush(struct net_txq *q, int fd, struct net_tx_done *done);

int net_rx_init(struct net_rx *rx);
void net_rx_fini(struct net_rx *rx);
/** Unparsed bytes are buffered (the socket may have nothing more to say). */
bool net_rx_buffered(const struct net_rx *rx);
/** Mid-message: a header or body has started to arrive. */
bool net_rx_partial(const struct net_rx *rx);
/** One read() from fd: bytes read (> 0), 0 at end of stream, or -errno (-EAGAIN). */
ssize_t net_rx_fill(struct net_rx *rx, int fd);
/**
 * Take the next message out of buffered data.
 * \return 1 and *msg; 0 when more data is needed; -DER_PROTO with the reason in
 *         errbuf, *err_rpc_id (0 when unknown) and *err_opcode (a valid opcode
 *         to answer with); -DER_NOMEM. After an error the stream is unusable.
 */
int net_rx_next(struct net_rx *rx, struct net_msg *msg, char *errbuf, size_t errlen,
		uint64_t *err_rpc_id, uint16_t *err_opcode);

#endif /* NET_NET_INTERNAL_H */
