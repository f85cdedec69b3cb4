/*
 * eng_loop.c: the system thread's event loop (epoll), see engine.h.
 *
 * Invariants:
 *  1. Every watched descriptor has one slot in el_ios; epoll's data pointer
 *     is the slot, and a slot is reused only after the batch of events in
 *     which it was deleted is finished, so a stale event never reaches a new
 *     owner (deleted slots are DEAD until then).
 *  2. The wake-up eventfd is always watched; eng_loop_wake() only writes to it.
 */
#define D_LOGFAC DD_FAC(engine)

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <daos_errno.h>
#include "gurt/log.h"
#include "control/engine_link.h"
#include "engine/engine.h"

enum io_state {
	IO_FREE = 0,
	IO_USED,
	IO_DEAD,
};

struct eng_io {
	enum io_state io_state;
	int           io_fd;
	eng_io_cb     io_cb;
	void         *io_arg;
};

struct eng_loop {
	int           el_epfd;
	int           el_wakefd;
	struct eng_io el_ios[ENG_LOOP_FDS_MAX];
	bool          el_stop;
	int           el_code;
	void        (*el_wake_cb)(void *arg);
	void         *el_wake_arg;
};

static void
wake_ready(struct eng_loop *loop, uint32_t events, void *arg)
{
	uint64_t n;

	(void)events;
	(void)arg;
	while (read(loop->el_wakefd, &n, sizeof(n)) < 0 && errno == EINTR)
		;
	if (loop->el_wake_cb != NULL)
		loop->el_wake_cb(loop->el_wake_arg);
}

int
eng_loop_create(struct eng_loop **out)
{
	struct eng_loop *loop;
	int              rc;

	loop = calloc(1, sizeof(*loop));
	if (loop == NULL)
		return -DER_NOMEM;
	loop->el_epfd   = epoll_create1(EPOLL_CLOEXEC);
	loop->el_wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (loop->el_epfd < 0 || loop->el_wakefd < 0) {
		D_ERROR("event loop: %s\n", strerror(errno));
		rc = -DER_IO;
		goto fail;
	}
	rc = eng_loop_add(loop, loop->el_wakefd, EPOLLIN, wake_ready, NULL, NULL);
	if (rc != 0)
		goto fail;
	*out = loop;
	return 0;
fail:
	if (loop->el_epfd >= 0)
		close(loop->el_epfd);
	if (loop->el_wakefd >= 0)
		close(loop->el_wakefd);
	free(loop);
	return rc;
}

void
eng_loop_destroy(struct eng_loop *loop)
{
	if (loop == NULL)
		return;
	close(loop->el_epfd);
	close(loop->el_wakefd);
	free(loop);
}

int
eng_loop_add(struct eng_loop *loop, int fd, uint32_t events, eng_io_cb cb, void *arg,
	     struct eng_io **out)
{
	struct epoll_event ev;
	struct eng_io     *io = NULL;

	for (unsigned i = 0; i < ENG_LOOP_FDS_MAX; i++) {
		if (loop->el_ios[i].io_state == IO_FREE) {
			io = &loop->el_ios[i];
			break;
		}
	}
	if (io == NULL)
		return -DER_OVERFLOW;
	memset(&ev, 0, sizeof(ev));
	ev.events   = events;
	ev.data.ptr = io;
	if (epoll_ctl(loop->el_epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
		D_ERROR("epoll_ctl(ADD, %d): %s\n", fd, strerror(errno));
		return -DER_IO;
	}
	*io = (struct eng_io){.io_state = IO_USED, .io_fd = fd, .io_cb = cb, .io_arg = arg};
	if (out != NULL)
		*out = io;
	return 0;
}

void
eng_loop_del(struct eng_loop *loop, struct eng_io *io)
{
	if (io == NULL || io->io_state != IO_USED)
		return;
	(void)epoll_ctl(loop->el_epfd, EPOLL_CTL_DEL, io->io_fd, NULL);
	io->io_state = IO_DEAD;
}

void
eng_loop_stop(struct eng_loop *loop, int code)
{
	if (loop->el_stop)
		return;
	loop->el_stop = true;
	loop->el_code = code;
}

bool
eng_loop_stopping(const struct eng_loop *loop)
{
	return loop->el_stop;
}

void
eng_loop_set_wake_cb(struct eng_loop *loop, void (*cb)(void *arg), void *arg)
{
	loop->el_wake_cb  = cb;
	loop->el_wake_arg = arg;
}

void
eng_loop_wake(struct eng_loop *loop)
{
	uint64_t one = 1;
	ssize_t  n;

	/* EAGAIN means the counter is already non-zero: the loop will wake anyway. */
	do {
		n = write(loop->el_wakefd, &one, sizeof(one));
	} while (n < 0 && errno == EINTR);
}

int
eng_loop_run(struct eng_loop *loop)
{
	struct epoll_event evs[ENG_LOOP_EVENTS_MAX];

	while (!loop->el_stop) {
		int n = epoll_wait(loop->el_epfd, evs, ENG_LOOP_EVENTS_MAX, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			D_ERROR("epoll_wait: %s\n", strerror(errno));
			return ENGINE_EXIT_FAILURE;
		}
		for (int i = 0; i < n && !loop->el_stop; i++) {
			struct eng_io *io = evs[i].data.ptr;

			if (io->io_state == IO_USED)
				io->io_cb(loop, evs[i].events, io->io_arg);
		}
		/* Invariant 1: deleted slots become reusable only now. */
		for (unsigned i = 0; i < ENG_LOOP_FDS_MAX; i++)
			if (loop->el_ios[i].io_state == IO_DEAD)
				loop->el_ios[i].io_state = IO_FREE;
	}
	return loop->el_code;
}
