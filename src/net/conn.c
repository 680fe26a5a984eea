/*
 * Non-blocking TCP client connection with one deadline per wait: the
 * connect timeout until connected, then the read timeout, restarted only
 * when the owner sends more (a new request deserves a new wait).  A peer
 * trickling one byte a second therefore cannot hold a connection longer
 * than one read timeout per request.
 */
#include "net/conn.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "tlsaudit.h"

/* The socket alone, so that the owner's end callback can open the next
 * connection to the same address without two being open at once. */
static void
conn_close_fd(struct ta_conn *c)
{
	ta_timer_stop(c->loop, &c->timer);
	ta_watch_del(c->loop, &c->watch);
	if (c->watch.fd >= 0) {
		if (c->reset) {
			struct linger lg = {.l_onoff = 1, .l_linger = 0};

			setsockopt(c->watch.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
		}
		close(c->watch.fd);
	}
	c->watch.fd = -1;
}

static void
conn_close(struct ta_conn *c)
{
	conn_close_fd(c);
	free(c->out);
	free(c->in);
	c->out = NULL;
	c->in = NULL;
	ta_loop_defer_free(c->loop, c);
}

static void
conn_end(struct ta_conn *c, int err)
{
	const struct ta_conn_ops *ops = c->ops;

	/* Probes close with RST: no TIME_WAIT pile-up over thousands of hellos.
	 * A full handshake ends with its close_notify and a FIN instead, so the
	 * server keeps the session for resumption. */
	if (c->graceful && c->outlen > c->outoff && c->watch.fd >= 0)
		(void)send(c->watch.fd, c->out + c->outoff, c->outlen - c->outoff,
		           MSG_NOSIGNAL | MSG_DONTWAIT);
	c->reset = !c->graceful;
	conn_close_fd(c);
	ops->on_end(c, err);
	conn_close(c);
}

void
ta_conn_rearm(struct ta_conn *c, unsigned ms)
{
	ta_timer_start(c->loop, &c->timer, ms);
	c->rearmed = true;
}

void
ta_conn_abort(struct ta_conn *c)
{
	if (c)
		conn_close(c);
}

static void
on_timer(struct ta_timer *t)
{
	struct ta_conn *c = (struct ta_conn *)((char *)t - offsetof(struct ta_conn, timer));

	conn_end(c, c->connected ? TA_ETIMEOUT : TA_ECONNECT);
}

static int
flush_out(struct ta_conn *c)
{
	while (c->outoff < c->outlen) {
		ssize_t n =
		        send(c->watch.fd, c->out + c->outoff, c->outlen - c->outoff, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR)
				continue;
			return TA_ECLOSED;
		}
		c->outoff += (size_t)n;
	}
	if (c->outoff == c->outlen)
		c->outoff = c->outlen = 0;
	return ta_watch_set(c->loop, &c->watch, EPOLLIN | (c->outlen ? EPOLLOUT : 0));
}

static void
on_io(struct ta_watch *w, uint32_t ev)
{
	struct ta_conn *c = (struct ta_conn *)((char *)w - offsetof(struct ta_conn, watch));
	int rc;

	if (!c->connected) {
		int soerr = 0;
		socklen_t len = sizeof soerr;

		if (getsockopt(w->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0 || soerr) {
			conn_end(c, TA_ECONNECT);
			return;
		}
		c->connected = true;
		ta_timer_start(c->loop, &c->timer, c->read_timeout_ms);
	}
	if (ev & EPOLLOUT) {
		if ((rc = flush_out(c)) != TA_OK) {
			conn_end(c, rc);
			return;
		}
	}
	if (!(ev & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return;
	for (;;) {
		ssize_t n;

		if (c->inlen == c->incap) {
			conn_end(c, TA_ENOSPC);
			return;
		}
		n = recv(w->fd, c->in + c->inlen, c->incap - c->inlen, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			conn_end(c, TA_ECLOSED);
			return;
		}
		if (n == 0) {
			conn_end(c, TA_ECLOSED);
			return;
		}
		c->inlen += (size_t)n;
		c->rearmed = false;
		if (c->ops->on_data(c) == TA_CONN_DONE) {
			conn_end(c, TA_OK);
			return;
		}
		if (c->outlen > 0) { /* the owner queued a new request */
			if (!c->rearmed)
				ta_timer_start(c->loop, &c->timer, c->read_timeout_ms);
			if ((rc = flush_out(c)) != TA_OK) {
				conn_end(c, rc);
				return;
			}
		}
	}
}

int
ta_conn_send(struct ta_conn *c, const void *buf, size_t len)
{
	if (c->outcap - c->outlen < len) {
		size_t cap = c->outlen + len;
		uint8_t *p = realloc(c->out, cap);

		if (!p)
			return TA_ENOMEM;
		c->out = p;
		c->outcap = cap;
	}
	memcpy(c->out + c->outlen, buf, len);
	c->outlen += len;
	return TA_OK;
}

void
ta_conn_consume(struct ta_conn *c, size_t n)
{
	if (n >= c->inlen) {
		c->inlen = 0;
		return;
	}
	memmove(c->in, c->in + n, c->inlen - n);
	c->inlen -= n;
}

int
ta_conn_start(struct ta_loop *loop, const struct sockaddr *addr, socklen_t addrlen,
              const struct ta_conn_ops *ops, void *owner, unsigned connect_timeout_ms,
              unsigned read_timeout_ms, size_t in_cap, struct ta_conn **out)
{
	struct ta_conn *c;
	int fd, one = 1, rc;

	c = calloc(1, sizeof *c);
	if (!c)
		return TA_ENOMEM;
	c->in = malloc(in_cap);
	if (!c->in) {
		free(c);
		return TA_ENOMEM;
	}
	c->incap = in_cap;
	c->loop = loop;
	c->ops = ops;
	c->owner = owner;
	c->read_timeout_ms = read_timeout_ms;
	c->started_ms = ta_loop_now(loop);
	ta_timer_init(&c->timer, on_timer);
	fd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		free(c->in);
		free(c);
		return TA_ESYS;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	ta_watch_init(&c->watch, fd, on_io);
	if (connect(fd, addr, addrlen) < 0 && errno != EINPROGRESS) {
		close(fd);
		free(c->in);
		free(c);
		return TA_ECONNECT;
	}
	if ((rc = ta_watch_set(loop, &c->watch, EPOLLIN | EPOLLOUT)) != TA_OK ||
	    (rc = ta_timer_start(loop, &c->timer, connect_timeout_ms)) != TA_OK) {
		ta_watch_del(loop, &c->watch);
		close(fd);
		free(c->in);
		free(c);
		return rc;
	}
	*out = c;
	return TA_OK;
}
