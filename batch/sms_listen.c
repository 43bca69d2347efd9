/*
 * sms_listen.c — sms listen: the endpoint Kannel calls with delivery
 * reports (the dlr-url sms send asks for: sms.dlr_url?id=<message>&status=%d).
 *
 * The HTTP side is libmicrohttpd (its own thread); this file parses
 * nothing by hand.  A report is answered only after it is committed: the
 * request is suspended and put on a queue, the main thread records the
 * queue every SMS_FLUSH_MS milliseconds or SMS_FLUSH_REPORTS reports in
 * one statement (gelombang.sms_record_reports), then resumes each request
 * with 200.  So a report Kannel saw answered is in the database; if the
 * database is unreachable the queued requests get 503 and Kannel calls
 * again later (smsbox's http-request-retry); if this process is killed,
 * the suspended requests see their connection close, and Kannel retries
 * those too.
 *
 * Answers:
 *   403  a client other than sms.gateway_address (logged)
 *   404  a path other than /dlr; 405 a method other than GET or POST
 *   200  a report: recorded; or malformed or for no known message:
 *        logged and stored nowhere (Kannel must not call again for it)
 *   503  the database could not record it; Kannel retries
 * id and status come from the query string, or, for a POST, from a form
 * body (application/x-www-form-urlencoded) as well.
 *
 * SIGINT/SIGTERM: stop accepting, record what is queued, answer it, exit 0.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "gelombang.h"
#include "log.h"

#define SMS_FLUSH_MS      50
#define SMS_FLUSH_REPORTS 2000
#define SMS_FIELD_MAX     24

enum lreq_state { LREQ_NEW, LREQ_QUEUED, LREQ_DONE, LREQ_FAILED };

struct lreq {
	enum lreq_state state;
	struct MHD_Connection *conn;
	struct MHD_PostProcessor *pp;
	char id[SMS_FIELD_MAX], status[SMS_FIELD_MAX];
	struct lreq *next;
};

struct listener {
	struct gb_ctx *ctx;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct lreq *head, **tail; /* the queue, oldest first */
	size_t queued;
	long long recorded, unknown, malformed, refused;
};

static bool
all_digits(const char *s, size_t max)
{
	size_t n = strlen(s);

	return n > 0 && n <= max && strspn(s, "0123456789") == n;
}

static enum MHD_Result
lreq_answer(struct MHD_Connection *conn, unsigned int code, const char *text)
{
	struct MHD_Response *resp =
	    MHD_create_response_from_buffer(strlen(text), (void *) text, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain");
	ret = MHD_queue_response(conn, code, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result
lreq_post_field(void *arg, enum MHD_ValueKind kind, const char *key, const char *filename,
                const char *content_type, const char *encoding, const char *data, uint64_t off,
                size_t size)
{
	struct lreq *q = arg;
	char *dst = strcmp(key, "id") == 0 ? q->id : strcmp(key, "status") == 0 ? q->status : NULL;

	(void) kind, (void) filename, (void) content_type, (void) encoding;
	if (!dst)
		return MHD_YES;
	if (off + size >= SMS_FIELD_MAX) {
		memcpy(dst, "x", 2); /* too long: malformed */
		return MHD_YES;
	}
	memcpy(dst + off, data, size);
	dst[off + size] = '\0';
	return MHD_YES;
}

static const char *
client_address(struct MHD_Connection *conn, char *buf, size_t len)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	buf[0] = '\0';
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *) (const void *) sa)->sin_addr, buf,
		          (socklen_t) len);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *) (const void *) sa)->sin6_addr,
		          buf, (socklen_t) len);
	return buf;
}

/* The request is complete: check it, then queue it (suspended) or answer. */
static enum MHD_Result
lreq_decide(struct listener *l, struct MHD_Connection *conn, const char *url, struct lreq *q)
{
	const char *gw = l->ctx->cfg.sms_gateway_address;
	const char *v;
	char addr[INET6_ADDRSTRLEN];

	client_address(conn, addr, sizeof(addr));
	if (*gw && strcmp(addr, gw) != 0) {
		__atomic_add_fetch(&l->refused, 1, __ATOMIC_RELAXED);
		log_warning(
		    "refused a delivery report from %s: not the gateway (sms.gateway_address %s)",
		    addr, gw);
		return lreq_answer(conn, MHD_HTTP_FORBIDDEN, "forbidden\n");
	}
	if (strcmp(url, "/dlr") != 0)
		return lreq_answer(conn, MHD_HTTP_NOT_FOUND, "not found\n");
	if ((v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "id")))
		snprintf(q->id, sizeof(q->id), "%s", strlen(v) < sizeof(q->id) ? v : "x");
	if ((v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "status")))
		snprintf(q->status, sizeof(q->status), "%s",
		         strlen(v) < sizeof(q->status) ? v : "x");
	if (!all_digits(q->id, 18) || !all_digits(q->status, 3)) {
		__atomic_add_fetch(&l->malformed, 1, __ATOMIC_RELAXED);
		log_warning(
		    "ignored a malformed delivery report from %s: id \"%.20s\", status \"%.20s\"",
		    addr, q->id, q->status);
		return lreq_answer(conn, MHD_HTTP_OK, "ignored\n");
	}
	q->conn = conn;
	q->state = LREQ_QUEUED;
	pthread_mutex_lock(&l->lock);
	*l->tail = q;
	l->tail = &q->next;
	if (++l->queued >= SMS_FLUSH_REPORTS)
		pthread_cond_signal(&l->wake);
	MHD_suspend_connection(conn);
	pthread_mutex_unlock(&l->lock);
	return MHD_YES;
}

static enum MHD_Result
lreq_handle(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
            const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct listener *l = cls;
	struct lreq *q = *con_cls;

	(void) version;
	if (!q) {
		bool post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;

		if (!post && strcmp(method, MHD_HTTP_METHOD_GET) != 0)
			return lreq_answer(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
			                   "method not allowed\n");
		q = calloc(1, sizeof(*q));
		if (!q)
			return MHD_NO;
		if (post)
			q->pp = MHD_create_post_processor(conn, 1024, lreq_post_field, q);
		*con_cls = q;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		if (q->pp)
			MHD_post_process(q->pp, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	switch (q->state) {
	case LREQ_NEW: return lreq_decide(l, conn, url, q);
	case LREQ_DONE: return lreq_answer(conn, MHD_HTTP_OK, "ok\n");
	case LREQ_FAILED:
		return lreq_answer(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		                   "could not record, try again\n");
	case LREQ_QUEUED: break;
	}
	return MHD_YES;
}

static void
lreq_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
               enum MHD_RequestTerminationCode toe)
{
	struct lreq *q = *con_cls;

	(void) cls, (void) conn, (void) toe;
	if (!q)
		return;
	if (q->pp)
		MHD_destroy_post_processor(q->pp);
	free(q);
	*con_cls = NULL;
}

/* Record a batch of reports in one statement; the unknown ids are logged. */
static bool
listen_record(struct listener *l, struct lreq *batch, long long *unknown)
{
	char *ids = NULL, *statuses = NULL;
	size_t ids_len, st_len;
	FILE *fi = open_memstream(&ids, &ids_len), *fs = open_memstream(&statuses, &st_len);
	const char *params[2];
	PGresult *res = NULL;
	struct lreq *q;
	bool ok = fi && fs;
	int i;

	for (q = batch; ok && q; q = q->next) {
		fprintf(fi, "%s%s", q == batch ? "{" : ",", q->id);
		fprintf(fs, "%s%s", q == batch ? "{" : ",", q->status);
	}
	if (fi) {
		fputc('}', fi);
		ok = fclose(fi) == 0 && ok;
	}
	if (fs) {
		fputc('}', fs);
		ok = fclose(fs) == 0 && ok;
	}
	if (ok) {
		params[0] = ids;
		params[1] = statuses;
		db_allow_after_interrupt(true);
		res = db_query(
		    l->ctx->conn, "record the delivery reports",
		    "select u from gelombang.sms_record_reports($1::bigint[], $2::int[]) u", 2,
		    params);
		db_allow_after_interrupt(false);
		ok = res != NULL;
	}
	if (res) {
		for (i = 0; i < PQntuples(res); i++)
			log_warning(
			    "ignored a delivery report for message %s: there is no such message",
			    PQgetvalue(res, i, 0));
		*unknown = PQntuples(res);
		PQclear(res);
	}
	free(ids);
	free(statuses);
	return ok;
}

/* Take the queue, record it, resume its requests with the outcome. */
static void
listen_flush(struct listener *l)
{
	struct lreq *batch, *q, *next;
	size_t n;
	long long unknown = 0;
	bool ok;

	pthread_mutex_lock(&l->lock);
	batch = l->head;
	n = l->queued;
	l->head = NULL;
	l->tail = &l->head;
	l->queued = 0;
	pthread_mutex_unlock(&l->lock);
	if (!batch)
		return;
	ok = listen_record(l, batch, &unknown);
	if (ok) {
		l->recorded += (long long) n - unknown;
		l->unknown += unknown;
	} else if (db_connection_lost(l->ctx->conn)) {
		log_warning("lost the database; %zu reports answered 503 for the gateway to retry;"
		            " reconnecting",
		            n);
		PQreset(l->ctx->conn);
	}
	pthread_mutex_lock(&l->lock);
	for (q = batch; q; q = next) {
		next = q->next;
		q->next = NULL;
		q->state = ok ? LREQ_DONE : LREQ_FAILED;
		MHD_resume_connection(q->conn);
	}
	pthread_mutex_unlock(&l->lock);
}

static void
listen_wait(struct listener *l)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += SMS_FLUSH_MS * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&l->lock);
	if (l->queued < SMS_FLUSH_REPORTS)
		pthread_cond_timedwait(&l->wake, &l->lock, &until);
	pthread_mutex_unlock(&l->lock);
}

int
cmd_sms_listen(struct gb_ctx *ctx)
{
	struct listener l = {.ctx = ctx};
	struct MHD_Daemon *d;

	pthread_mutex_init(&l.lock, NULL);
	pthread_cond_init(&l.wake, NULL);
	l.tail = &l.head;
	/* poll, not epoll: with libmicrohttpd 0.9.75's epoll, resumed
	 * connections sometimes waited for another event to be served (128
	 * requests hung after 10,000 under load); with poll none did in 60,000 */
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
	                         MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC | MHD_USE_ERROR_LOG,
	                     (uint16_t) ctx->opt.port, NULL, NULL, lreq_handle, &l,
	                     MHD_OPTION_NOTIFY_COMPLETED, lreq_completed, &l,
	                     MHD_OPTION_CONNECTION_LIMIT, (unsigned int) 4096,
	                     /* a report is one short request: a small pool per
	                      * connection keeps memory flat with many open */
	                     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t) 4096,
	                     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int) 60, MHD_OPTION_END);
	if (!d) {
		log_error("could not listen on port %d", ctx->opt.port);
		pthread_cond_destroy(&l.wake);
		pthread_mutex_destroy(&l.lock);
		return EXIT_UNAVAILABLE;
	}
	log_info("listening for delivery reports on port %d (from %s)", ctx->opt.port,
	         *ctx->cfg.sms_gateway_address ? ctx->cfg.sms_gateway_address : "any address");
	while (!db_interrupted()) {
		listen_wait(&l);
		listen_flush(&l);
	}
	/* no new connections; record and answer what is queued, then stop */
	MHD_quiesce_daemon(d);
	listen_flush(&l);
	nanosleep(&(struct timespec){.tv_nsec = 200000000L}, NULL); /* the answers go out */
	MHD_stop_daemon(d);
	log_info("stopped: %lld report%s recorded, %lld for unknown messages, %lld malformed,"
	         " %lld refused",
	         l.recorded, l.recorded == 1 ? "" : "s", l.unknown, l.malformed, l.refused);
	pthread_cond_destroy(&l.wake);
	pthread_mutex_destroy(&l.lock);
	return EXIT_DONE;
}
