// SPDX-License-Identifier: MIT
/* The .mslat writer: rows into columnar batches, records into frames, frames through zstd to disk. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* For ZSTD_c_literalCompressionMode: a parameter of the stable setter, still marked experimental. */
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

#include "log.h"
#include "event_codec.h"
#include "trace_format.h"
#include "trace_writer.h"
#include "varint.h"

/* Column scratch for one batch, reused: serialisation allocates nothing per batch. */
struct columns {
	int64_t *i64_a;
	uint64_t *u64_a;
	int32_t *i32_a;
	uint32_t *u32_a, *u32_b, *u32_c;
};

struct trace_writer {
	int fd;
	char *name;
	struct trace_writer_opts opts;
	ZSTD_CCtx *cctx;
	bool raw_literals;	/* the next frame stores its literals (choose_literals) */

	uint8_t *frame;		/* uncompressed content of the open frame */
	size_t frame_len, frame_cap;
	uint64_t frame_open_ns;	/* when its first content arrived; 0 when empty */
	uint8_t *zbuf;
	size_t zbuf_cap;

	struct trace_event *events;
	size_t event_cnt;
	uint8_t *enc, *enc_scratch;	/* an encoded event batch, and room to build it */
	struct trace_sched *scheds;
	size_t sched_cnt;
	struct trace_arrival *arrivals;
	size_t arrival_cnt;
	struct columns col;

	uint64_t bytes, good_bytes;	/* written; up to the end of the last whole frame */
	uint64_t total_events, total_sched, total_arrivals, total_processes;
	uint64_t total_markers, total_lost, total_records, total_frames;
	uint64_t last_ns;
	int err;		/* first error: every later call returns it */
};

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int write_all(struct trace_writer *w, const uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t n = write(w->fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
		w->bytes += (uint64_t)n;
	}
	return 0;
}

/*
 * On a failed write (disk full), cut the file back to its last whole frame,
 * so that it stays a valid, merely unfinished trace.
 */
static int fail(struct trace_writer *w, int err, const char *what)
{
	if (!w->err) {
		w->err = err;
		log_error("cannot write '%s': %s: %s", w->name, what, strerror(-err));
		if (ftruncate(w->fd, (off_t)w->good_bytes) == 0)
			w->bytes = w->good_bytes;
	}
	return err;
}

/*
 * How the next frame codes its literals, from how the last one compressed.
 * Huffman coding saves much on regular content (a tight syscall loop: 40%
 * of the bytes) and costs little to decode there. A busy server's frames
 * are mostly literals, the low bytes of nanosecond times: Huffman saves
 * about 7% of them at a given level, and decoding it is most of zstd's time
 * in `mslat report`. Those frames store their literals, at level 3 at
 * least: about as many bytes and as much CPU as level 1 with Huffman on
 * such content, twice as fast to decode (docs/performance.md, ninth pass).
 * Level 3 with stored literals compresses regular content better than level
 * 1 with Huffman, hence the margin between the ratios that switch, lest
 * the choice flip every frame. Levels below 1 store literals by themselves.
 */
#define LITERALS_STORE_BELOW 3		/* the last frame compressed less than 3:1 */
#define LITERALS_CODE_ABOVE 4		/* more than 4:1 */
#define LITERALS_JUDGE_MIN (64U << 10)	/* smaller frames say little: the choice stays */
#define STORED_LITERALS_MIN_LEVEL 3

static void choose_literals(struct trace_writer *w, size_t content, size_t compressed)
{
	bool raw = w->raw_literals ? compressed * LITERALS_CODE_ABOVE >= content
				   : compressed * LITERALS_STORE_BELOW > content;
	int level = w->opts.zstd_level;

	if (content < LITERALS_JUDGE_MIN || raw == w->raw_literals || level < 1)
		return;
	/* A libzstd that refuses the parameter goes on as before; readers take either. */
	if (ZSTD_isError(ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_literalCompressionMode,
						raw ? ZSTD_ps_disable : ZSTD_ps_auto)))
		return;
	w->raw_literals = raw;
	if (raw && level < STORED_LITERALS_MIN_LEVEL)
		level = STORED_LITERALS_MIN_LEVEL;
	ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, level);
}

/* Compress the open frame, with its checksum, and write it out. */
static int close_frame(struct trace_writer *w)
{
	size_t n;
	int err;

	if (!w->frame_len)
		return 0;
	n = ZSTD_compress2(w->cctx, w->zbuf, w->zbuf_cap, w->frame, w->frame_len);
	if (ZSTD_isError(n))
		return fail(w, -EIO, ZSTD_getErrorName(n));
	choose_literals(w, w->frame_len, n);
	err = write_all(w, w->zbuf, n);
	if (err)
		return fail(w, err, "frame");
	w->good_bytes = w->bytes;
	w->total_frames++;
	w->frame_len = 0;
	w->frame_open_ns = 0;
	return 0;
}

/*
 * Room for NEED more bytes in the open frame. It grows rather than closes:
 * a frame closes only at a safe point (maybe_close), so the rows of every
 * kind appended before a flush go out in one frame, and an arrival is never
 * in a later frame than the receive that consumes it (docs/trace-format.md,
 * Order). Batches are bounded, so a frame ends far below the format's bound.
 */
static int reserve(struct trace_writer *w, size_t need)
{
	size_t cap;
	uint8_t *p;
	int err;

	if (w->frame_len + need <= w->frame_cap)
		return 0;
	if (need > TRACE_MAX_FRAME_BYTES)
		return -E2BIG;
	if (w->frame_len + need > TRACE_MAX_FRAME_BYTES) {
		err = close_frame(w);
		if (err)
			return err;
	}
	cap = w->frame_len + need;
	if (cap < 2 * w->frame_cap)
		cap = 2 * w->frame_cap < TRACE_MAX_FRAME_BYTES ? 2 * w->frame_cap : TRACE_MAX_FRAME_BYTES;
	p = realloc(w->frame, cap);
	if (!p)
		return -ENOMEM;
	w->frame = p;
	w->frame_cap = cap;
	free(w->zbuf);
	w->zbuf_cap = ZSTD_compressBound(cap);
	w->zbuf = malloc(w->zbuf_cap);
	return w->zbuf ? 0 : -ENOMEM;
}

/* Append one length-prefixed record to the open frame. */
static int put_record(struct trace_writer *w, const Mslat__Record *rec)
{
	size_t len = protobuf_c_message_get_packed_size(&rec->base);
	int err;

	if (len > TRACE_MAX_RECORD_BYTES)
		return -E2BIG;
	err = reserve(w, len + VARINT_MAX_BYTES);
	if (err)
		return err;
	if (!w->frame_open_ns)
		w->frame_open_ns = monotonic_ns();
	w->frame_len += varint__put(w->frame + w->frame_len, len);
	w->frame_len += protobuf_c_message_pack(&rec->base, w->frame + w->frame_len);
	w->total_records++;
	return 0;
}

/* A safe point, every row appended so far written: close the frame if it is full. */
static int maybe_close(struct trace_writer *w)
{
	return w->frame_len >= w->opts.frame_bytes ? close_frame(w) : 0;
}

static int encode_events(struct trace_writer *w)
{
	size_t n = w->event_cnt, len;
	int err;

	if (!n)
		return 0;
	len = event_codec__encode(w->events, n, w->enc, w->enc_scratch);
	err = reserve(w, len + VARINT_MAX_BYTES);
	if (err)
		return err;
	if (!w->frame_open_ns)
		w->frame_open_ns = monotonic_ns();
	w->frame_len += varint__put(w->frame + w->frame_len, len);
	memcpy(w->frame + w->frame_len, w->enc, len);
	w->frame_len += len;
	w->total_records++;
	w->total_events += n;
	w->event_cnt = 0;
	return 0;
}

static int encode_sched(struct trace_writer *w)
{
	Mslat__Record rec = MSLAT__RECORD__INIT;
	Mslat__SchedBatch b = MSLAT__SCHED_BATCH__INIT;
	struct columns *c = &w->col;
	size_t n = w->sched_cnt;
	uint64_t prev_ns;
	int err;

	if (!n)
		return 0;
	prev_ns = w->scheds[0].start_ns;
	for (size_t i = 0; i < n; i++) {
		const struct trace_sched *s = &w->scheds[i];

		c->i64_a[i] = (int64_t)(s->start_ns - prev_ns);
		c->u64_a[i] = s->duration_ns;
		c->u32_a[i] = s->tid;
		c->u32_b[i] = s->pid;
		c->u32_c[i] = s->what;
		c->i32_a[i] = (int32_t)s->cpu;
		prev_ns = s->start_ns;
	}
	b.base_ns = w->scheds[0].start_ns;
	b.n_start_delta_ns = b.n_duration_ns = b.n_tid = b.n_pid = b.n_what = b.n_cpu = n;
	b.start_delta_ns = c->i64_a;
	b.duration_ns = c->u64_a;
	b.tid = c->u32_a;
	b.pid = c->u32_b;
	b.what = c->u32_c;
	b.cpu = (uint32_t *)c->i32_a;
	rec.kind_case = MSLAT__RECORD__KIND_SCHED;
	rec.sched = &b;
	err = put_record(w, &rec);
	if (!err) {
		w->total_sched += n;
		w->sched_cnt = 0;
	}
	return err;
}

static int encode_arrivals(struct trace_writer *w)
{
	Mslat__Record rec = MSLAT__RECORD__INIT;
	Mslat__ArrivalBatch b = MSLAT__ARRIVAL_BATCH__INIT;
	struct columns *c = &w->col;
	size_t n = w->arrival_cnt;
	bool waits = false;
	uint64_t prev_ns;
	int err;

	if (!n)
		return 0;
	prev_ns = w->arrivals[0].time_ns;
	for (size_t i = 0; i < n; i++) {
		const struct trace_arrival *a = &w->arrivals[i];

		c->i64_a[i] = (int64_t)(a->time_ns - prev_ns);
		c->u32_a[i] = a->pid;
		c->i32_a[i] = a->fd;
		c->u32_b[i] = a->bytes;
		c->u32_c[i] = a->what;
		/* QUEUED: the accept's exit, as a wait from the bytes' time (small). */
		c->u64_a[i] = a->what == TRACE_ARRIVAL_QUEUED && a->accept_ns >= a->time_ns ?
			      a->accept_ns - a->time_ns : 0;
		waits |= c->u64_a[i] || a->what == TRACE_ARRIVAL_QUEUED;
		prev_ns = a->time_ns;
	}
	b.base_ns = w->arrivals[0].time_ns;
	b.n_time_delta_ns = b.n_pid = b.n_fd = b.n_bytes = b.n_what = n;
	b.n_accept_wait_ns = waits ? n : 0;	/* none without QUEUED rows: no bytes */
	b.accept_wait_ns = c->u64_a;
	b.time_delta_ns = c->i64_a;
	b.pid = c->u32_a;
	b.fd = c->i32_a;
	b.bytes = c->u32_b;
	b.what = c->u32_c;
	rec.kind_case = MSLAT__RECORD__KIND_ARRIVALS;
	rec.arrivals = &b;
	err = put_record(w, &rec);
	if (!err) {
		w->total_arrivals += n;
		w->arrival_cnt = 0;
	}
	return err;
}

static int encode_rows(struct trace_writer *w)
{
	int err;

	err = encode_events(w);
	if (!err)
		err = encode_sched(w);
	if (!err)
		err = encode_arrivals(w);
	return err;
}

/* A batch of one kind is full: rows of every kind go out together, then maybe the frame. */
static int flush_full(struct trace_writer *w)
{
	int err = encode_rows(w);

	return err ? err : maybe_close(w);
}

static int alloc_buffers(struct trace_writer *w)
{
	size_t n = w->opts.batch_rows;
	struct columns *c = &w->col;

	w->frame_cap = w->opts.frame_bytes + (1U << 20);
	w->frame = malloc(w->frame_cap);
	w->zbuf_cap = ZSTD_compressBound(w->frame_cap);
	w->zbuf = malloc(w->zbuf_cap);
	w->events = calloc(n, sizeof(*w->events));
	w->enc = malloc(event_codec__max_bytes(n));
	w->enc_scratch = malloc(event_codec__max_bytes(n));
	w->scheds = calloc(n, sizeof(*w->scheds));
	w->arrivals = calloc(n, sizeof(*w->arrivals));
	c->i64_a = calloc(n, sizeof(int64_t));
	c->u64_a = calloc(n, sizeof(uint64_t));
	c->i32_a = calloc(n, sizeof(int32_t));
	c->u32_a = calloc(n, sizeof(uint32_t));
	c->u32_b = calloc(n, sizeof(uint32_t));
	c->u32_c = calloc(n, sizeof(uint32_t));
	if (!w->frame || !w->zbuf || !w->events || !w->enc || !w->enc_scratch || !w->scheds || !w->arrivals || !c->i64_a ||
	    !c->u64_a || !c->i32_a || !c->u32_a ||
	    !c->u32_b || !c->u32_c)
		return -ENOMEM;
	return 0;
}

static void free_writer(struct trace_writer *w)
{
	struct columns *c = &w->col;

	if (w->fd >= 0)
		close(w->fd);
	ZSTD_freeCCtx(w->cctx);
	free(w->frame);
	free(w->zbuf);
	free(w->events);
	free(w->enc);
	free(w->enc_scratch);
	free(w->scheds);
	free(w->arrivals);
	free(c->i64_a);
	free(c->u64_a);
	free(c->i32_a);
	free(c->u32_a);
	free(c->u32_b);
	free(c->u32_c);
	free(w->name);
	free(w);
}

static void apply_defaults(struct trace_writer_opts *o, const struct trace_writer_opts *in)
{
	memset(o, 0, sizeof(*o));
	if (in)
		memcpy(o, in, in->sz && in->sz < sizeof(*o) ? in->sz : sizeof(*o));
	o->sz = sizeof(*o);
	if (!o->flush_interval_ms)
		o->flush_interval_ms = TRACE_DEFAULT_FLUSH_MS;
	if (!o->zstd_level)
		o->zstd_level = TRACE_DEFAULT_ZSTD_LEVEL;
	if (!o->frame_bytes || o->frame_bytes > TRACE_MAX_FRAME_BYTES / 4)
		o->frame_bytes = TRACE_DEFAULT_FRAME_BYTES;
	if (!o->batch_rows)
		o->batch_rows = TRACE_DEFAULT_BATCH_ROWS;
	if (o->batch_rows > 65536)	/* keeps a batch far below TRACE_MAX_RECORD_BYTES */
		o->batch_rows = 65536;
	if (!o->version_major) {
		o->version_major = TRACE_VERSION_MAJOR;
		o->version_minor = TRACE_VERSION_MINOR;
	}
}

struct trace_writer *trace_writer__open_fd(int fd, const char *name, const Mslat__Header *header,
					   const struct trace_writer_opts *opts)
{
	Mslat__Record rec = MSLAT__RECORD__INIT;
	Mslat__Header hdr;
	struct trace_writer *w;
	char **names = NULL;
	int err;

	w = calloc(1, sizeof(*w));
	if (!w) {
		close(fd);
		errno = ENOMEM;
		return NULL;
	}
	w->fd = fd;
	apply_defaults(&w->opts, opts);
	w->name = strdup(name ? name : "(trace)");
	w->cctx = ZSTD_createCCtx();
	err = w->name && w->cctx ? alloc_buffers(w) : -ENOMEM;
	if (err)
		goto err_free;
	ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, w->opts.zstd_level);
	ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_checksumFlag, 1);
	ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_contentSizeFlag, 1);

	/* The header travels alone in the first frame: readers find the version first. */
	hdr = header ? *header : (Mslat__Header)MSLAT__HEADER__INIT;
	hdr.magic = TRACE_MAGIC;
	hdr.version_major = w->opts.version_major;
	hdr.version_minor = w->opts.version_minor;
	hdr.flush_interval_ms = w->opts.flush_interval_ms;
	/* Syscall tables have holes (NULL); the file stores them as "". */
	if (hdr.n_syscall_names) {
		names = calloc(hdr.n_syscall_names, sizeof(*names));
		if (!names) {
			err = -ENOMEM;
			goto err_free;
		}
		for (size_t i = 0; i < hdr.n_syscall_names; i++)
			names[i] = hdr.syscall_names[i] ? hdr.syscall_names[i] : (char *)"";
		hdr.syscall_names = names;
	}
	rec.kind_case = MSLAT__RECORD__KIND_HEADER;
	rec.header = &hdr;
	err = put_record(w, &rec);
	if (!err)
		err = close_frame(w);
	if (err)
		goto err_free;
	free(names);
	return w;

err_free:
	free(names);
	free_writer(w);
	errno = -err;
	return NULL;
}

struct trace_writer *trace_writer__open(const char *path, const Mslat__Header *header,
					const struct trace_writer_opts *opts)
{
	/* O_NONBLOCK: opening a FIFO must fail (ENXIO), not wait for a reader. */
	int flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK;
	struct stat st;
	int fd, err;

	if (!opts || !opts->force)
		flags |= O_EXCL;
	fd = open(path, flags, 0600);
	if (fd < 0)
		return NULL;
	/* --force replaces a trace, never a device, FIFO or socket (EEXIST). */
	if (fstat(fd, &st))
		;	/* errno says why */
	else if (!S_ISREG(st.st_mode))
		errno = EEXIST;
	else if (ftruncate(fd, 0) == 0 &&
		 fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) == 0)
		return trace_writer__open_fd(fd, path, header, opts);
	err = errno;
	close(fd);
	errno = err;
	return NULL;
}

int trace_writer__append_event(struct trace_writer *w, const struct trace_event *ev)
{
	if (w->err)
		return w->err;
	if (!w->frame_open_ns && !w->event_cnt && !w->sched_cnt && !w->arrival_cnt)
		w->frame_open_ns = monotonic_ns();
	w->events[w->event_cnt++] = *ev;
	if (ev->enter_ns + ev->duration_ns > w->last_ns)
		w->last_ns = ev->enter_ns + ev->duration_ns;
	return w->event_cnt == w->opts.batch_rows ? flush_full(w) : 0;
}

int trace_writer__append_sched(struct trace_writer *w, const struct trace_sched *s)
{
	if (w->err)
		return w->err;
	if (!w->frame_open_ns)
		w->frame_open_ns = monotonic_ns();
	w->scheds[w->sched_cnt++] = *s;
	return w->sched_cnt == w->opts.batch_rows ? flush_full(w) : 0;
}

int trace_writer__append_arrival(struct trace_writer *w, const struct trace_arrival *a)
{
	if (w->err)
		return w->err;
	if (!w->frame_open_ns)
		w->frame_open_ns = monotonic_ns();
	w->arrivals[w->arrival_cnt++] = *a;
	return w->arrival_cnt == w->opts.batch_rows ? flush_full(w) : 0;
}

/* A single record goes after every row appended before it: order is kept. */
static int put_single(struct trace_writer *w, Mslat__Record *rec)
{
	int err = w->err;

	if (!err)
		err = encode_rows(w);
	if (!err)
		err = put_record(w, rec);
	if (!err)
		err = maybe_close(w);
	return err;
}

int trace_writer__append_process(struct trace_writer *w, const Mslat__ProcessInfo *p)
{
	Mslat__Record rec = MSLAT__RECORD__INIT;
	int err;

	rec.kind_case = MSLAT__RECORD__KIND_PROCESS;
	rec.process = (Mslat__ProcessInfo *)p;
	err = put_single(w, &rec);
	if (!err)
		w->total_processes++;
	return err;
}

int trace_writer__append_loss(struct trace_writer *w, const Mslat__Loss *loss)
{
	Mslat__Record rec = MSLAT__RECORD__INIT;
	int err;

	rec.kind_case = MSLAT__RECORD__KIND_LOSS;
	rec.loss = (Mslat__Loss *)loss;
	err = put_single(w, &rec);
	if (!err)
		w->total_lost += loss->count;
	return err;
}

int trace_writer__append_marker(struct trace_writer *w, const Mslat__Marker *m)
{
	Mslat__Record rec = MSLAT__RECORD__INIT;
	int err;

	rec.kind_case = MSLAT__RECORD__KIND_MARKER;
	rec.marker = (Mslat__Marker *)m;
	err = put_single(w, &rec);
	if (!err)
		w->total_markers++;
	return err;
}

int trace_writer__append_raw(struct trace_writer *w, const void *record, size_t len)
{
	int err = w->err;

	if (!err)
		err = encode_rows(w);
	if (err)
		return err;
	if (len > TRACE_MAX_RECORD_BYTES)
		return -E2BIG;
	err = reserve(w, len + VARINT_MAX_BYTES);
	if (err)
		return err;
	if (!w->frame_open_ns)
		w->frame_open_ns = monotonic_ns();
	w->frame_len += varint__put(w->frame + w->frame_len, len);
	memcpy(w->frame + w->frame_len, record, len);
	w->frame_len += len;
	w->total_records++;
	return maybe_close(w);
}

int trace_writer__flush(struct trace_writer *w)
{
	int err = w->err;

	if (!err)
		err = encode_rows(w);
	if (!err)
		err = close_frame(w);
	return err;
}

int trace_writer__tick(struct trace_writer *w, uint64_t now_ns)
{
	if (w->err)
		return w->err;
	if (!w->frame_open_ns ||
	    now_ns < w->frame_open_ns + (uint64_t)w->opts.flush_interval_ms * 1000000ULL)
		return 0;
	return trace_writer__flush(w);
}

uint64_t trace_writer__bytes(const struct trace_writer *w)
{
	return w->bytes;
}

uint64_t trace_writer__events(const struct trace_writer *w)
{
	return w->total_events + w->event_cnt;
}

int trace_writer__close(struct trace_writer *w, const Mslat__Footer *footer)
{
	Mslat__Record rec = MSLAT__RECORD__INIT;
	Mslat__Footer f = MSLAT__FOOTER__INIT;
	int err;

	if (!w)
		return 0;
	err = trace_writer__flush(w);
	if (footer) {
		f.end_ns = footer->end_ns;
		f.reason = footer->reason;
	}
	if (!f.end_ns)
		f.end_ns = w->last_ns;
	f.events = w->total_events;
	f.lost = w->total_lost;
	f.processes = w->total_processes;
	f.sched = w->total_sched;
	f.arrivals = w->total_arrivals;
	f.markers = w->total_markers;
	f.records = w->total_records;
	f.frames = w->total_frames;
	rec.kind_case = MSLAT__RECORD__KIND_FOOTER;
	rec.footer = &f;
	if (!err)
		err = put_record(w, &rec);
	if (!err)
		err = close_frame(w);
	if (!err && fsync(w->fd) && errno != EINVAL && errno != EROFS)
		err = fail(w, -errno, "fsync");
	if (!err && close(w->fd))
		err = fail(w, -errno, "close");
	w->fd = -1;
	if (!err)
		err = w->err;
	free_writer(w);
	return err;
}

void trace_writer__abandon(struct trace_writer *w)
{
	if (w)
		free_writer(w);
}
