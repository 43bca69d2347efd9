/*
 * sms_send.c — sms send: submit pending SMS messages to a Kannel gateway.
 *
 * Order, and why:
 *   1. the outbox lock (outbox.c's key): one sender at a time, and no
 *      outbox export moves a cursor while the outbox is queued; busy: 75;
 *   2. under it, earlier sms send runs without an end row are dead;
 *   3. the start row of the run, committed on its own;
 *   4. the announced waves not yet queued are copied into sms_message,
 *      set-based, one transaction (gelombang.sms_enqueue);
 *   5. page after page of pending messages (LOLOS first, older waves
 *      first; gelombang.sms_pending), each page submitted through libcurl's
 *      multi interface with sms.in_flight requests at a time over kept-alive
 *      connections, then recorded in one transaction
 *      (gelombang.sms_record_submissions): 2xx SENT, 4xx FAILED with the
 *      gateway's answer, 5xx or no answer PENDING (tried again in the run
 *      with backoff, at most sms.retries times, then the run stops: 69);
 *   6. the end row.
 *
 * Exactly once as far as a gateway allows: a message is recorded SENT in
 * the transaction after the gateway's 2xx, and picked again only while it
 * is PENDING.  A crash between the answers of a page and its commit
 * repeats that page's accepted messages, never more: at most one page,
 * SMS_PAGE_PER_SLOT * sms.in_flight messages (64 by default).  A request
 * that timed out may have been accepted too; it is in the same page.
 *
 * 401/403 (the gateway refuses our credentials) is no fault of a message:
 * the run stops with 78 and every message stays PENDING.
 *
 * Fault points (fault.h), "job:sms:<moment>": locked, dead-marked,
 * started, queued, page-read (each page read), submitted (each page
 * answered, not recorded), recorded (each page recorded, not committed),
 * committed (each page committed), end-row, released.
 *
 * The password travels in the URL, as Kannel wants it; URLs are never
 * logged, and libcurl's error texts do not contain them.
 *
 * Memory: one page of messages and in_flight curl handles.
 */
#include <curl/curl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "fault.h"
#include "gelombang.h"
#include "jobrun.h"
#include "log.h"

/* the outbox lock of outbox.c: sending and exporting exclude each other */
#define SMS_LOCK_KEY      (-1)
#define SMS_PAGE_PER_SLOT 4
#define SMS_ANSWER_MAX    200
#define SMS_BACKOFF_FIRST 0.5 /* seconds; doubled at each try */

enum sms_outcome { SMS_NONE, SMS_SENT, SMS_FAILED, SMS_RETRY };

struct sms_msg {
	const char *id, *phone, *text; /* in the page's PGresult */
	enum sms_outcome outcome;
	int tries;         /* in this run */
	double not_before; /* monotonic seconds; backoff */
	bool busy;         /* a request is in flight */
	char answer[SMS_ANSWER_MAX + 1];
	size_t answer_len;
};

struct sms_run {
	struct gb_ctx *ctx;
	struct job_run run;
	CURLM *multi;
	CURL **idle; /* easy handles not in use */
	int n_idle;
	long long sent, failed;
	long long submitted; /* requests started, tries included */
	long long read;      /* messages read, for --limit */
	double t0, rate;
	bool gateway_down, refused_credentials;
	char why[256]; /* why the run stopped early */
};

static double
now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/*
 * Whether a UTF-8 text fits GSM 03.38's default alphabet (with its
 * extension table): then it goes as 7-bit text, otherwise as UCS-2
 * (coding=2), which Kannel would else turn into '?'.
 */
static const char gsm_chars[] = "@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
                                "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
                                "^{}\\[~]|€\n\r\f";

static bool
sms_is_gsm(const char *s)
{
	const unsigned char *p = (const unsigned char *) s;

	while (*p) {
		size_t len = *p < 0x80 ? 1 : (*p & 0xE0) == 0xC0 ? 2 : (*p & 0xF0) == 0xE0 ? 3 : 4;
		char ch[5] = {0};
		size_t i;

		for (i = 0; i < len; i++) {
			if (!p[i])
				return false;
			ch[i] = (char) p[i];
		}
		if (!strstr(gsm_chars, ch))
			return false;
		p += len;
	}
	return true;
}

/* append "&key=escaped(value)"; false when out of memory */
static bool
url_param(CURL *c, char **url, size_t *len, size_t *cap, const char *key, const char *value)
{
	char *esc = curl_easy_escape(c, value, 0);
	size_t need;

	if (!esc)
		return false;
	need = *len + strlen(key) + strlen(esc) + 3;
	if (need > *cap) {
		size_t ncap = need * 2;
		char *n = realloc(*url, ncap);

		if (!n) {
			curl_free(esc);
			return false;
		}
		*url = n;
		*cap = ncap;
	}
	*len += (size_t) sprintf(*url + *len, "%s%s=%s", *len ? "&" : "", key, esc);
	curl_free(esc);
	return true;
}

/* The sendsms URL of one message (malloc'd; NULL when out of memory). */
static char *
sms_url(const struct gb_config *cfg, CURL *c, const struct sms_msg *m)
{
	char *q = NULL, *url = NULL, *dlr = NULL;
	size_t len = 0, cap = 0;
	const char *sep = strchr(cfg->sms_gateway_url, '?') ? "&" : "?";
	bool ok;

	if (asprintf(&dlr, "%s%sid=%s&status=%%d", cfg->sms_dlr_url,
	             strchr(cfg->sms_dlr_url, '?') ? "&" : "?", m->id) < 0)
		return NULL;
	ok = url_param(c, &q, &len, &cap, "username", cfg->sms_username) &&
	     url_param(c, &q, &len, &cap, "password", cfg->sms_password) &&
	     url_param(c, &q, &len, &cap, "from", cfg->sms_sender) &&
	     url_param(c, &q, &len, &cap, "to", m->phone) &&
	     url_param(c, &q, &len, &cap, "text", m->text) &&
	     url_param(c, &q, &len, &cap, "charset", "UTF-8") &&
	     (sms_is_gsm(m->text) || url_param(c, &q, &len, &cap, "coding", "2")) &&
	     /* delivered (1), failed (2), refused by the SMSC (16): the SMSC's
	      * acceptance (8) would say no more than SENT, and cost Kannel a
	      * callback a part (bench-sms: Kannel's CPU a third lower) */
	     url_param(c, &q, &len, &cap, "dlr-mask", "19") &&
	     url_param(c, &q, &len, &cap, "dlr-url", dlr);
	if (ok && asprintf(&url, "%s%s%s", cfg->sms_gateway_url, sep, q) < 0)
		url = NULL;
	free(q);
	free(dlr);
	return url;
}

static size_t
sms_on_body(char *data, size_t size, size_t n, void *arg)
{
	struct sms_msg *m = arg;
	size_t len = size * n, room = SMS_ANSWER_MAX - m->answer_len;

	if (len < room)
		room = len;
	memcpy(m->answer + m->answer_len, data, room);
	m->answer_len += room;
	m->answer[m->answer_len] = '\0';
	return len;
}

static CURL *
sms_easy(struct sms_run *r)
{
	CURL *c;

	if (r->n_idle > 0)
		return r->idle[--r->n_idle];
	c = curl_easy_init();
	if (!c)
		return NULL;
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long) r->ctx->cfg.sms_timeout);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long) r->ctx->cfg.sms_timeout);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sms_on_body);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	return c;
}

/* Start the request of message m; false when out of memory. */
static bool
sms_start(struct sms_run *r, struct sms_msg *m)
{
	CURL *c = sms_easy(r);
	char *url;

	if (!c)
		return false;
	url = sms_url(&r->ctx->cfg, c, m);
	if (!url) {
		curl_easy_cleanup(c);
		return false;
	}
	m->answer_len = 0;
	m->answer[0] = '\0';
	curl_easy_setopt(c, CURLOPT_URL, url); /* libcurl copies it */
	free(url);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, m);
	curl_easy_setopt(c, CURLOPT_PRIVATE, m);
	if (curl_multi_add_handle(r->multi, c) != CURLM_OK) {
		curl_easy_cleanup(c);
		return false;
	}
	m->busy = true;
	m->tries++;
	r->submitted++;
	return true;
}

/* the answer text for the database: one line, valid for a text column */
static void
sms_clean_answer(struct sms_msg *m)
{
	size_t i;

	while (m->answer_len > 0 &&
	       (m->answer[m->answer_len - 1] == '\n' || m->answer[m->answer_len - 1] == '\r' ||
	        m->answer[m->answer_len - 1] == ' '))
		m->answer[--m->answer_len] = '\0';
	for (i = 0; i < m->answer_len; i++)
		if ((unsigned char) m->answer[i] < 0x20 || (unsigned char) m->answer[i] >= 0x80)
			m->answer[i] = ' ';
}

/* One request finished: decide what it means for its message. */
static void
sms_done(struct sms_run *r, CURL *c, CURLcode res)
{
	struct sms_msg *m = NULL;
	long code = 0;
	int max_tries = r->ctx->cfg.sms_retries + 1;

	curl_easy_getinfo(c, CURLINFO_PRIVATE, (char **) &m);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_multi_remove_handle(r->multi, c);
	r->idle[r->n_idle++] = c;
	m->busy = false;
	sms_clean_answer(m);
	if (res == CURLE_OK && code >= 200 && code < 300) {
		m->outcome = SMS_SENT;
		r->sent++;
		return;
	}
	if (res == CURLE_OK && (code == 401 || code == 403)) {
		m->outcome = SMS_NONE;
		if (!r->refused_credentials)
			snprintf(r->why, sizeof(r->why),
			         "the gateway refused the credentials"
			         " (HTTP %ld: %.120s)",
			         code, m->answer);
		r->refused_credentials = true;
		return;
	}
	if (res == CURLE_OK && code >= 400 && code < 500) {
		char answer[SMS_ANSWER_MAX + 1];

		snprintf(answer, sizeof(answer), "%s", m->answer);
		snprintf(m->answer, sizeof(m->answer), "HTTP %ld: %.180s", code, answer);
		m->outcome = SMS_FAILED;
		r->failed++;
		return;
	}
	/* 5xx, another code, or no answer: the gateway is not taking messages */
	if (res != CURLE_OK)
		snprintf(m->answer, sizeof(m->answer), "%s", curl_easy_strerror(res));
	else {
		char answer[SMS_ANSWER_MAX + 1];

		snprintf(answer, sizeof(answer), "%s", m->answer);
		snprintf(m->answer, sizeof(m->answer), "HTTP %ld: %.180s", code, answer);
	}
	m->outcome = SMS_RETRY;
	if (m->tries >= max_tries) {
		if (!r->gateway_down)
			snprintf(r->why, sizeof(r->why),
			         "the gateway could not take a message"
			         " after %d tries: %.150s",
			         m->tries, m->answer);
		r->gateway_down = true;
		return;
	}
	m->not_before = now_mono() + SMS_BACKOFF_FIRST * pow(2, m->tries - 1);
	log_debug("message %s: %s; trying again", m->id, m->answer);
}

static bool
sms_stopping(const struct sms_run *r)
{
	return r->gateway_down || r->refused_credentials || db_interrupted();
}

/*
 * Submit one page: at most in_flight requests at a time, at most --rate
 * a second counted from the start of the run.  Returns 0, or
 * EXIT_SOFTWARE when out of memory (requests in flight are answered
 * first, so that what they did is recorded).
 */
static int
sms_submit_page(struct sms_run *r, struct sms_msg *msgs, int n)
{
	int in_flight = 0, next = 0, running, rc = 0;
	int max = r->ctx->cfg.sms_in_flight;

	for (;;) {
		double now = now_mono(), wait_s = 0.1;
		int i, msgq;
		CURLMsg *cm;

		/* start what may start */
		for (i = 0; rc == 0 && !sms_stopping(r) && in_flight < max && i < n; i++) {
			int k = (next + i) % n;
			struct sms_msg *m = &msgs[k];

			if (m->busy || !(m->outcome == SMS_NONE || m->outcome == SMS_RETRY))
				continue;
			if (m->outcome == SMS_RETRY && m->tries > r->ctx->cfg.sms_retries)
				continue;
			if (m->not_before > now) {
				if (m->not_before - now < wait_s)
					wait_s = m->not_before - now;
				continue;
			}
			if (r->rate > 0 && r->t0 + (double) r->submitted / r->rate > now) {
				double w = r->t0 + (double) r->submitted / r->rate - now;

				if (w < wait_s)
					wait_s = w;
				break;
			}
			if (!sms_start(r, m)) {
				log_error("could not submit message %s: out of memory", m->id);
				rc = EXIT_SOFTWARE;
				break;
			}
			in_flight++;
			next = k + 1;
		}
		if (in_flight == 0) {
			bool left = false;

			for (i = 0; i < n && !left; i++)
				left =
				    !msgs[i].busy && (msgs[i].outcome == SMS_NONE ||
				                      (msgs[i].outcome == SMS_RETRY &&
				                       msgs[i].tries <= r->ctx->cfg.sms_retries));
			if (!left || rc != 0 || sms_stopping(r))
				return rc;
		}
		curl_multi_perform(r->multi, &running);
		while ((cm = curl_multi_info_read(r->multi, &msgq)))
			if (cm->msg == CURLMSG_DONE) {
				sms_done(r, cm->easy_handle, cm->data.result);
				in_flight--;
			}
		if (in_flight > 0 || wait_s > 0)
			curl_multi_poll(r->multi, NULL, 0, (int) (wait_s * 1000) + 1, NULL);
	}
}

/* The page's outcomes as three array literals ({id,...}, {SENT,...},
 * {"answer",...}) in one open_memstream buffer each. */
struct sms_arrays {
	char *ids, *outcomes, *answers;
	size_t ids_len, outcomes_len, answers_len;
};

static bool
sms_arrays(const struct sms_msg *msgs, int n, struct sms_arrays *a)
{
	static const char *const names[] = {"", "SENT", "FAILED", "RETRY"};
	FILE *fi = open_memstream(&a->ids, &a->ids_len);
	FILE *fo = open_memstream(&a->outcomes, &a->outcomes_len);
	FILE *fa = open_memstream(&a->answers, &a->answers_len);
	bool ok = fi && fo && fa;
	int i, k = 0;

	for (i = 0; ok && i < n; i++) {
		const char *c;

		if (msgs[i].outcome == SMS_NONE)
			continue;
		fprintf(fi, "%s%s", k ? "," : "{", msgs[i].id);
		fprintf(fo, "%s%s", k ? "," : "{", names[msgs[i].outcome]);
		fputs(k ? ",\"" : "{\"", fa);
		for (c = msgs[i].answer; *c; c++) {
			if (*c == '"' || *c == '\\')
				fputc('\\', fa);
			fputc(*c, fa);
		}
		fputc('"', fa);
		k++;
	}
	if (ok) {
		fputs(k ? "}" : "{}", fi);
		fputs(k ? "}" : "{}", fo);
		fputs(k ? "}" : "{}", fa);
		ok = !ferror(fi) && !ferror(fo) && !ferror(fa);
	}
	if (fi && fclose(fi) != 0)
		ok = false;
	if (fo && fclose(fo) != 0)
		ok = false;
	if (fa && fclose(fa) != 0)
		ok = false;
	return ok;
}

/* Record what the gateway answered for the page, in one transaction.  It
 * runs after a signal too: what the gateway accepted must be recorded. */
static int
sms_record_page(struct sms_run *r, const struct sms_msg *msgs, int n)
{
	struct sms_arrays a = {0};
	const char *params[4];
	int rc = 0;

	if (!sms_arrays(msgs, n, &a)) {
		log_error("could not record the page: out of memory");
		rc = EXIT_SOFTWARE;
		goto cleanup;
	}
	params[0] = a.ids;
	params[1] = a.outcomes;
	params[2] = a.answers;
	params[3] = r->run.id;
	db_allow_after_interrupt(true);
	if (db_begin(r->ctx->conn) != 0 ||
	    db_command(r->ctx->conn, "record the gateway's answers",
	               "select gelombang.sms_record_submissions($1::bigint[], $2::text[],"
	               " $3::text[], $4::bigint)",
	               4, params) != 0) {
		rc = db_failure_exit();
		db_rollback(r->ctx->conn);
		goto cleanup;
	}
	fault_job_point("sms", "recorded");
	if (db_commit(r->ctx->conn) != 0) {
		rc = db_failure_exit();
		goto cleanup;
	}
	fault_job_point("sms", "committed");
cleanup:
	db_allow_after_interrupt(false);
	free(a.ids);
	free(a.outcomes);
	free(a.answers);
	return rc;
}

/* Read the next page of pending messages; *res is NULL when none is left. */
static int
sms_read_page(struct sms_run *r, int page, PGresult **res)
{
	char wave[16], limit[16];
	const char *params[2] = {r->ctx->opt.wave ? wave : NULL, limit};

	snprintf(wave, sizeof(wave), "%d", r->ctx->opt.wave);
	snprintf(limit, sizeof(limit), "%d", page);
	*res = db_query(r->ctx->conn, "read the pending messages",
	                "select id, phone, message from gelombang.sms_pending($1::int, $2::int)", 2,
	                params);
	if (!*res)
		return db_failure_exit();
	if (PQntuples(*res) == 0) {
		PQclear(*res);
		*res = NULL;
	}
	return 0;
}

static int
sms_send_pages(struct sms_run *r)
{
	int per_page = SMS_PAGE_PER_SLOT * r->ctx->cfg.sms_in_flight;
	long long limit = r->ctx->opt.limit;
	struct sms_msg *msgs = calloc((size_t) per_page, sizeof(*msgs));
	int rc = 0;

	if (!msgs)
		return EXIT_SOFTWARE;
	r->t0 = now_mono();
	while (rc == 0 && !sms_stopping(r)) {
		int page = per_page, n, i, rc2;
		PGresult *res;

		if (limit > 0 && limit - r->read < page)
			page = (int) (limit - r->read);
		if (page <= 0)
			break;
		if ((rc = sms_read_page(r, page, &res)) != 0 || !res)
			break;
		fault_job_point("sms", "page-read");
		n = PQntuples(res);
		memset(msgs, 0, (size_t) n * sizeof(*msgs));
		for (i = 0; i < n; i++) {
			msgs[i].id = PQgetvalue(res, i, 0);
			msgs[i].phone = PQgetvalue(res, i, 1);
			msgs[i].text = PQgetvalue(res, i, 2);
		}
		rc = sms_submit_page(r, msgs, n);
		r->read += n;
		fault_job_point("sms", "submitted");
		rc2 = sms_record_page(r, msgs, n);
		if (rc == 0)
			rc = rc2;
		PQclear(res);
		if (n < page)
			break;
	}
	free(msgs);
	return rc;
}

/* Another sender or an outbox export holds the lock: a BUSY run. */
static int
sms_busy(struct gb_ctx *ctx)
{
	struct job_run run = {.job = "sms send", .wave = ctx->opt.wave};

	log_error("could not send SMS: another sms send or outbox export is running");
	log_hint("Try again later; \"gelombang history --failed\" shows the runs.");
	db_set_quiet(true);
	if (db_begin(ctx->conn) == 0 && jr_record_start(ctx, &run) == 0 &&
	    jr_end(ctx, &run, "BUSY", 0, "another run holds the outbox lock") == 0)
		(void) db_commit(ctx->conn);
	db_rollback(ctx->conn);
	db_set_quiet(false);
	return EXIT_BUSY;
}

static int
sms_prepare(struct sms_run *r)
{
	struct gb_ctx *ctx = r->ctx;
	char wave[16];
	const char *params[2] = {ctx->opt.wave ? wave : NULL, r->run.id};
	PGresult *res;
	long long n;

	res = db_query(ctx->conn, "look for dead sms send runs",
	               "select gelombang.sms_mark_dead_runs()", 0, NULL);
	if (!res)
		return db_failure_exit();
	n = atoll(PQgetvalue(res, 0, 0));
	if (n > 0)
		log_warning("%lld earlier sms send run%s found dead and marked so in the history;"
		            " the messages it had not recorded are sent again",
		            n, n == 1 ? "" : "s");
	PQclear(res);
	fault_job_point("sms", "dead-marked");
	r->run.job = "sms send";
	r->run.wave = ctx->opt.wave;
	if (jr_record_start(ctx, &r->run) != 0)
		return db_failure_exit();
	fault_job_point("sms", "started");
	snprintf(wave, sizeof(wave), "%d", ctx->opt.wave);
	params[1] = r->run.id;
	res = db_query(ctx->conn, "queue the announced waves' messages",
	               "select gelombang.sms_enqueue($1::int, $2::bigint)", 2, params);
	if (!res)
		return db_failure_exit();
	n = atoll(PQgetvalue(res, 0, 0));
	if (n > 0)
		log_info("%lld message%s queued", n, n == 1 ? "" : "s");
	PQclear(res);
	fault_job_point("sms", "queued");
	return 0;
}

/* The end row, in a transaction of its own; returns the exit code. */
static int
sms_finish(struct sms_run *r, int rc)
{
	const char *outcome = "SUCCEEDED";
	char msg[512];

	if (rc == 0 && r->refused_credentials) {
		log_error("could not send SMS: %s", r->why);
		log_hint("Check sms.username and sms.password against the gateway's sendsms-user.");
		rc = EXIT_CONFIG;
	} else if (rc == 0 && r->gateway_down) {
		log_error("could not send SMS: %s", r->why);
		log_detail("The messages not accepted stay PENDING; the next sms send tries them.");
		rc = EXIT_UNAVAILABLE;
	} else if (rc == 0 && db_interrupted())
		rc = EXIT_REFUSED;
	if (rc == 0 && r->read == 0)
		outcome = "NOTHING_TO_DO";
	else if (rc != 0)
		outcome = db_interrupted() ? "INTERRUPTED" : "FAILED";
	snprintf(msg, sizeof(msg), "%lld message%s sent, %lld failed%s%s", r->sent,
	         r->sent == 1 ? "" : "s", r->failed, r->why[0] ? "; stopped: " : "", r->why);
	db_rollback(r->ctx->conn);
	db_set_quiet(rc != 0);
	if (jr_end(r->ctx, &r->run, outcome, r->sent, msg) != 0 && rc == 0)
		rc = db_failure_exit();
	db_set_quiet(false);
	if (rc == 0 || rc == EXIT_UNAVAILABLE || rc == EXIT_REFUSED)
		fault_job_point("sms", "end-row");
	if (rc == 0)
		log_info("%s", msg);
	else if (rc == EXIT_REFUSED)
		log_error("sms send interrupted: %s", msg);
	return rc;
}

int
cmd_sms_send(struct gb_ctx *ctx)
{
	struct sms_run r = {.ctx = ctx, .rate = ctx->opt.rate};
	int rc, i;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		log_error("could not initialise libcurl");
		return EXIT_SOFTWARE;
	}
	r.multi = curl_multi_init();
	r.idle = calloc((size_t) ctx->cfg.sms_in_flight, sizeof(*r.idle));
	if (!r.multi || !r.idle) {
		rc = EXIT_SOFTWARE;
		goto cleanup;
	}
	curl_multi_setopt(r.multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long) ctx->cfg.sms_in_flight);
	curl_multi_setopt(r.multi, CURLMOPT_MAXCONNECTS, (long) ctx->cfg.sms_in_flight);
	rc = jr_lock(ctx, SMS_LOCK_KEY);
	if (rc == EXIT_BUSY) {
		rc = sms_busy(ctx);
		goto cleanup;
	}
	if (rc != 0)
		goto cleanup;
	fault_job_point("sms", "locked");
	rc = sms_prepare(&r);
	if (rc == 0)
		rc = sms_send_pages(&r);
	if (r.run.id[0])
		rc = sms_finish(&r, rc);
	jr_unlock(ctx, SMS_LOCK_KEY);
	if (rc == 0)
		fault_job_point("sms", "released");
cleanup:
	for (i = 0; i < r.n_idle; i++)
		curl_easy_cleanup(r.idle[i]);
	free(r.idle);
	if (r.multi)
		curl_multi_cleanup(r.multi);
	curl_global_cleanup();
	return rc;
}
