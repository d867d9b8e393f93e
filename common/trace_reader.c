// SPDX-License-Identifier: MIT
/*
 * The .mslat reader. A frame is decompressed whole and its checksum verified
 * before any record in it is believed; every size is bounded before it is
 * allocated; the file is never trusted (it may come from a bug report).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <zstd.h>
#include <zstd_errors.h>

#include "arrival_codec.h"
#include "event_codec.h"
#include "file_map.h"
#include "log.h"
#include "trace_format.h"
#include "trace_reader.h"
#include "varint.h"

#define IN_CHUNK (1U << 20)	/* input window; grows to hold a whole frame */
#define ZSTD_FRAME_HEADER_MAX 18	/* ZSTD_FRAME_HEADER_MAX, a static-linking-only name */

/* The rows of an arrival batch; the array is reused from batch to batch. */
/* Which batch is being handed out row by row. */
enum batch_kind { BATCH_NONE, BATCH_EVENTS, BATCH_SCHED, BATCH_ARRIVALS };

struct trace_reader {
	FILE *f;
	bool own_f;
	char *name;
	struct trace_reader_opts opts;
	ZSTD_DCtx *dctx;

	struct file_map map;		/* a regular file: the input window is all of it, mapped */
	uint8_t *in;			/* compressed input window */
	size_t in_len, in_pos, in_cap;
	uint64_t in_off;		/* file offset of in[0] */
	bool in_eof;

	uint8_t *frame;			/* decompressed content of the current frame */
	size_t frame_len, frame_cap, frame_pos;
	uint64_t frame_off;

	Mslat__Header *header;		/* kept for the reader's life */
	bool header_returned;
	Mslat__Record *rec;		/* the record being handed out */
	struct event_rows ev;		/* or the rows of an event batch */
	struct event_columns cols;	/* its columns, when not decoded straight into rows */
	struct arrival_rows arr;	/* or the rows of an arrival batch */

	enum batch_kind batch;
	size_t row, rows;
	uint64_t prev_ns;

	/*
	 * arrivals_first: a first pass over the current frame hands out its
	 * arrival batches, from ahead_pos on, until ahead_done; where it
	 * stopped (ahead_pos then), the in-order pass no longer skips them.
	 */
	size_t ahead_pos;
	bool ahead_done;

	bool done;
	uint64_t extra_headers;		/* header records after the first: warned once, then counted */
	int err;			/* sticky fatal error */
	struct trace_reader_stats stats;
};

const char *trace_reader__name(const struct trace_reader *r)
{
	return r->name;
}

const Mslat__Header *trace_reader__header(const struct trace_reader *r)
{
	return r->header;
}

const char *trace_reader__syscall_name(const struct trace_reader *r, uint32_t nr)
{
	if (!r->header || nr >= r->header->n_syscall_names)
		return NULL;
	return r->header->syscall_names[nr][0] ? r->header->syscall_names[nr] : NULL;
}

void trace_reader__stats(const struct trace_reader *r, struct trace_reader_stats *stats)
{
	*stats = r->stats;
}

/* Keep unread input at the window's start and read more after it. */
static int refill(struct trace_reader *r)
{
	size_t n;

	if (r->in_eof)
		return 0;
	if (r->in_pos) {
		memmove(r->in, r->in + r->in_pos, r->in_len - r->in_pos);
		r->in_off += r->in_pos;
		r->in_len -= r->in_pos;
		r->in_pos = 0;
	}
	n = fread(r->in + r->in_len, 1, r->in_cap - r->in_len, r->f);
	if (n == 0) {
		if (ferror(r->f)) {
			log_error("cannot read '%s' at offset %llu: %s", r->name,
				  (unsigned long long)(r->in_off + r->in_len), strerror(errno ? errno : EIO));
			return -EIO;
		}
		r->in_eof = true;
		return 0;
	}
	r->in_len += n;
	r->stats.file_bytes = r->in_off + r->in_len;
	return 1;
}

static uint64_t in_offset(const struct trace_reader *r)
{
	return r->in_off + r->in_pos;
}

/*
 * A mapped file now shorter than its mapping: what lies past its new end
 * reads as zeros up to the end of that page (and faults beyond), so a frame
 * that looks corrupt is a frame cut meanwhile. read_input takes -ESTALE,
 * returned instead of the error, for that.
 */
static bool cut_meanwhile(const struct trace_reader *r)
{
	struct stat st;

	return r->map.data && !fstat(fileno(r->f), &st) && (uint64_t)st.st_size < r->map.len;
}

/* The frame being read is corrupt because of WHY, unless the file was cut meanwhile (-ESTALE). */
static int corrupt_frame(struct trace_reader *r, const char *why)
{
	if (cut_meanwhile(r))
		return -ESTALE;
	log_error("'%s': corrupt frame at offset %llu: %s", r->name, (unsigned long long)r->frame_off,
		  why);
	return -EBADMSG;
}

static int grow_frame(struct trace_reader *r)
{
	size_t cap = r->frame_cap ? r->frame_cap * 2 : (4U << 20);
	uint8_t *p;

	if (r->frame_cap >= TRACE_MAX_FRAME_BYTES) {
		log_error("'%s': frame at offset %llu holds more than %u MiB, the format's limit",
			  r->name, (unsigned long long)r->frame_off, TRACE_MAX_FRAME_BYTES >> 20);
		return -EBADMSG;
	}
	if (cap > TRACE_MAX_FRAME_BYTES)
		cap = TRACE_MAX_FRAME_BYTES;
	p = realloc(r->frame, cap);
	if (!p)
		return -ENOMEM;
	r->frame = p;
	r->frame_cap = cap;
	return 0;
}

/* Past a corrupt frame: find the next zstd frame magic after it. */
static int resync(struct trace_reader *r)
{
	static const uint8_t magic[4] = { 0x28, 0xb5, 0x2f, 0xfd };
	int err;

	ZSTD_DCtx_reset(r->dctx, ZSTD_reset_session_only);
	r->in_pos = r->frame_off + 1 > r->in_off ? (size_t)(r->frame_off + 1 - r->in_off) : 0;
	if (r->in_pos > r->in_len)
		r->in_pos = r->in_len;
	for (;;) {
		while (r->in_pos + 4 <= r->in_len) {
			if (!memcmp(r->in + r->in_pos, magic, 4))
				return 1;
			r->in_pos++;
		}
		err = refill(r);
		if (err <= 0) {
			r->in_pos = r->in_len;
			return err;
		}
	}
}

static int truncated(struct trace_reader *r)
{
	r->stats.truncated = true;
	r->stats.truncated_at = r->frame_off;
	log_warn("'%s' is truncated: the frame at offset %llu ends with the file at offset %llu; "
		 "everything before it was read", r->name, (unsigned long long)r->frame_off,
		 (unsigned long long)(r->in_off + r->in_len));
	return 0;
}

static bool is_frame_magic(const uint8_t *p, size_t len)
{
	static const uint8_t zstd[4] = { 0x28, 0xb5, 0x2f, 0xfd };
	static const uint8_t skippable[4] = { 0x50, 0x2a, 0x4d, 0x18 };	/* low nibble free */

	if (!memcmp(p, zstd, len < 4 ? len : 4))
		return true;
	return (p[0] & 0xf0) == skippable[0] && !memcmp(p + 1, skippable + 1, len < 4 ? len - 1 : 3);
}

/*
 * Is a frame starting at the input position, and within bounds? 1 yes, 0 the
 * file ends inside its header (truncated), or a negative errno.
 */
static int check_frame_start(struct trace_reader *r)
{
	const uint8_t *p = r->in + r->in_pos;
	size_t avail = r->in_len - r->in_pos;
	unsigned long long size;

	if (!is_frame_magic(p, avail)) {
		if (cut_meanwhile(r))
			return -ESTALE;
		log_error("'%s': no zstd frame at offset %llu%s", r->name,
			  (unsigned long long)r->frame_off, r->frame_off ? "" : ": not a mslat trace");
		return r->frame_off ? -EBADMSG : -EPROTO;
	}
	size = ZSTD_getFrameContentSize(p, avail);
	if (size == ZSTD_CONTENTSIZE_ERROR)
		return avail < ZSTD_FRAME_HEADER_MAX ? 0 : cut_meanwhile(r) ? -ESTALE : -EBADMSG;
	if (size != ZSTD_CONTENTSIZE_UNKNOWN && size > TRACE_MAX_FRAME_BYTES) {
		if (cut_meanwhile(r))
			return -ESTALE;
		log_error("'%s': frame at offset %llu declares %llu bytes, more than the %u MiB limit",
			  r->name, (unsigned long long)r->frame_off, size, TRACE_MAX_FRAME_BYTES >> 20);
		return -EBADMSG;
	}
	return 1;
}

/* The format's bound on a compressed frame: its largest content, incompressible. */
static size_t max_compressed_frame(void)
{
	return ZSTD_compressBound(TRACE_MAX_FRAME_BYTES) + 4096;
}

/* Room for a whole compressed frame in the input window, within the format's bound. */
static int grow_input(struct trace_reader *r)
{
	size_t limit = max_compressed_frame(), cap;
	uint8_t *p;

	if (r->in_pos) {
		memmove(r->in, r->in + r->in_pos, r->in_len - r->in_pos);
		r->in_off += r->in_pos;
		r->in_len -= r->in_pos;
		r->in_pos = 0;
		if (r->in_len < r->in_cap)
			return 0;
	}
	if (r->in_cap >= limit) {
		log_error("'%s': frame at offset %llu is larger than the format allows", r->name,
			  (unsigned long long)r->frame_off);
		return -EBADMSG;
	}
	cap = r->in_cap * 2 < limit ? r->in_cap * 2 : limit;
	p = realloc(r->in, cap);
	if (!p)
		return -ENOMEM;
	r->in = p;
	r->in_cap = cap;
	return 0;
}

/*
 * The common case: a frame that declares its size, decompressed in one call
 * once it is whole in the input window (no copy through zstd's window).
 * 1 done, 0 the size is not declared (stream it instead), 2 the file ends
 * inside the frame, or a negative errno.
 */
static int whole_frame(struct trace_reader *r)
{
	unsigned long long size = ZSTD_getFrameContentSize(r->in + r->in_pos, r->in_len - r->in_pos);
	size_t csize, ret;
	int err;

	if (size == ZSTD_CONTENTSIZE_UNKNOWN || size == ZSTD_CONTENTSIZE_ERROR)
		return 0;
	for (;;) {
		csize = ZSTD_findFrameCompressedSize(r->in + r->in_pos, r->in_len - r->in_pos);
		if (!ZSTD_isError(csize))
			break;
		if (ZSTD_getErrorCode(csize) != ZSTD_error_srcSize_wrong)
			return corrupt_frame(r, ZSTD_getErrorName(csize));
		if (r->in_eof)
			return 2;
		if (r->in_len == r->in_cap) {
			err = grow_input(r);
			if (err)
				return err;
		}
		err = refill(r);
		if (err < 0)
			return err;
	}
	if (csize > max_compressed_frame()) {	/* what grow_input refuses, where it is not used */
		log_error("'%s': frame at offset %llu is larger than the format allows", r->name,
			  (unsigned long long)r->frame_off);
		return -EBADMSG;
	}
	while (r->frame_cap < size) {
		err = grow_frame(r);
		if (err)
			return err;
	}
	ret = ZSTD_decompressDCtx(r->dctx, r->frame, r->frame_cap, r->in + r->in_pos, csize);
	if (ZSTD_isError(ret) || ret != size)
		return corrupt_frame(r, ZSTD_isError(ret) ? ZSTD_getErrorName(ret) :
							 "content size differs from its header");
	r->in_pos += csize;
	r->frame_len = ret;
	r->stats.frames++;
	return 1;
}

/*
 * Decompress the next whole frame. Returns 1 with a frame, 0 at the end
 * (clean or truncated: stats say which), or a negative errno.
 */
static int read_frame(struct trace_reader *r)
{
	ZSTD_inBuffer in;
	ZSTD_outBuffer out;
	bool started = false;
	size_t ret;
	int err;

	r->frame_len = r->frame_pos = 0;
	/* Frames are read front to back: what lies before this one is done with. */
	if (r->map.data)
		file_map__release(&r->map, r->in_pos);
	for (;;) {
		if (r->in_pos == r->in_len) {
			err = refill(r);
			if (err < 0)
				return err;
			if (err == 0) {
				if (started)
					return truncated(r);
				return 0;
			}
		}
		if (!started) {
			r->frame_off = in_offset(r);
			if (r->in_len - r->in_pos < ZSTD_FRAME_HEADER_MAX && !r->in_eof) {
				err = refill(r);
				if (err < 0)
					return err;
			}
			err = check_frame_start(r);
			if (err <= 0) {
				if (err == 0)
					return truncated(r);
				return err;
			}
			started = true;
			err = whole_frame(r);
			if (err == 2)
				return truncated(r);
			if (err)
				return err;
		}
		if (r->frame_len == r->frame_cap) {
			err = grow_frame(r);
			if (err)
				return err;
		}
		in = (ZSTD_inBuffer){ r->in, r->in_len, r->in_pos };
		out = (ZSTD_outBuffer){ r->frame, r->frame_cap, r->frame_len };
		ret = ZSTD_decompressStream(r->dctx, &out, &in);
		r->in_pos = in.pos;
		r->frame_len = out.pos;
		if (ZSTD_isError(ret))
			return corrupt_frame(r, ZSTD_getErrorName(ret));
		if (ret == 0) {
			r->stats.frames++;
			return 1;
		}
	}
}

/* The mapped file is shorter than when it was opened: the read ends there, as at a cut. */
static int shrank(struct trace_reader *r)
{
	struct stat st;

	r->stats.truncated = true;
	r->stats.truncated_at = r->frame_off;
	r->in_pos = r->in_len;
	r->frame_len = r->frame_pos = 0;
	if (fstat(fileno(r->f), &st))
		st.st_size = -1;
	log_warn("'%s' shrank while being read (from %zu to %lld bytes): the frame at offset %llu "
		 "is cut; everything before it was read", r->name, r->map.len, (long long)st.st_size,
		 (unsigned long long)r->frame_off);
	return 0;
}

static int read_frame_fn(void *r)
{
	return read_frame(r);
}

static int resync_fn(void *r)
{
	return resync(r);
}

/*
 * FN (read_frame or resync) over the input. A mapped file's reads are
 * guarded: one that shrank ends the read, never the process, and not as
 * corrupt either (cut_meanwhile).
 */
static int read_input(struct trace_reader *r, int (*fn)(void *))
{
	bool faulted;
	int ret;

	if (!r->map.data)
		return fn(r);
	ret = file_map__call(&r->map, fn, r, &faulted);
	if (faulted && !cut_meanwhile(r)) {
		/* Not shorter: the page could not be read in (a disk or network file system's error). */
		log_error("cannot read '%s' near offset %llu: I/O error (SIGBUS on its mapping)",
			  r->name, (unsigned long long)r->frame_off);
		return -EIO;
	}
	return faulted || ret == -ESTALE ? shrank(r) : ret;
}

static int bad_record(struct trace_reader *r, const char *what)
{
	log_error("'%s': corrupt record at offset %zu of the frame at offset %llu: %s", r->name,
		  r->frame_pos, (unsigned long long)r->frame_off, what);
	return -EBADMSG;
}

/* Every column of a batch must have its row count (optional ones may be empty). */
static bool col_ok(size_t n, size_t rows, bool optional)
{
	return n == rows || (optional && n == 0);
}

static int check_events(struct trace_reader *r, const Mslat__EventBatch *b)
{
	size_t n = b->n_enter_delta_ns;

	if (n > TRACE_MAX_BATCH_ROWS)
		return bad_record(r, "event batch longer than the format allows");
	if (!col_ok(b->n_duration_ns, n, false) || !col_ok(b->n_tid_delta, n, false) ||
	    !col_ok(b->n_pid_delta, n, false) || !col_ok(b->n_syscall, n, false) ||
	    !col_ok(b->n_fd, n, true) || !col_ok(b->n_fd_kind, b->n_fd, false) ||
	    !col_ok(b->n_ret, n, true))
		return bad_record(r, "event batch columns of different lengths");
	return 0;
}

static int check_sched(struct trace_reader *r, const Mslat__SchedBatch *b)
{
	size_t n = b->n_start_delta_ns;

	if (n > TRACE_MAX_BATCH_ROWS || !col_ok(b->n_duration_ns, n, false) ||
	    !col_ok(b->n_tid, n, false) || !col_ok(b->n_pid, n, false) ||
	    !col_ok(b->n_what, n, false) || !col_ok(b->n_cpu, n, true))
		return bad_record(r, "scheduler batch columns of different lengths");
	return 0;
}


static int check_arrivals(struct trace_reader *r, const Mslat__ArrivalBatch *b)
{
	return arrival_codec__sound(b) ? 0 : bad_record(r, "arrival batch columns of different lengths");
}

static int check_header(struct trace_reader *r, const Mslat__Header *h)
{
	if (h->magic != TRACE_MAGIC) {
		log_error("'%s' is not a mslat trace (bad magic 0x%08x)", r->name, h->magic);
		return -EPROTO;
	}
	if (h->version_major > TRACE_VERSION_MAJOR) {
		log_error("'%s' has trace format %u.%u; this mslat reads format %u.x (up to %u.%u): "
			  "a newer mslat is needed", r->name, h->version_major, h->version_minor,
			  TRACE_VERSION_MAJOR, TRACE_VERSION_MAJOR, TRACE_VERSION_MINOR);
		return -ENOTSUP;
	}
	if (h->version_major < 1) {
		log_error("'%s' has trace format %u.%u, older than any mslat wrote", r->name,
			  h->version_major, h->version_minor);
		return -ENOTSUP;
	}
	if (h->n_syscall_names > TRACE_MAX_SYSCALLS)
		return bad_record(r, "syscall table longer than the format allows");
	if (h->version_minor > TRACE_VERSION_MINOR)
		log_info("'%s' has trace format %u.%u, newer than this reader's %u.%u: fields it does not know are skipped",
			 r->name, h->version_major, h->version_minor, TRACE_VERSION_MAJOR,
			 TRACE_VERSION_MINOR);
	return 0;
}

/* The columns of an event batch (protobuf-c's, or a differently laid out batch) as rows. */
static int rows_from_columns(struct trace_reader *r)
{
	const struct event_columns *c = &r->cols;
	size_t cnt = c->rows;
	uint64_t t = c->base_ns;
	uint32_t tid = 0, pid = 0;
	bool fd = c->n[6], ret = c->n[8];

	if (cnt > r->ev.cap) {
		struct trace_event *p = realloc(r->ev.rows, cnt * sizeof(*p));

		if (!p)
			return -ENOMEM;
		r->ev.rows = p;
		r->ev.cap = cnt;
	}
	for (size_t i = 0; i < cnt; i++) {
		struct trace_event *e = &r->ev.rows[i];

		t += (uint64_t)c->enter_delta[i];
		tid += (uint32_t)c->tid_delta[i];
		pid += (uint32_t)c->pid_delta[i];
		e->enter_ns = t;
		e->duration_ns = c->duration[i];
		e->ret = ret ? c->ret[i] : 0;
		e->tid = tid;
		e->pid = pid;
		e->syscall = c->syscall[i];
		e->fd = fd ? c->fd[i] : -1;
		e->fd_kind = fd ? c->fd_kind[i] : FD_KIND_NONE;
		e->pad = 0;
	}
	r->ev.n = cnt;
	return 0;
}

/*
 * The record at frame offset POS: its length prefix (*N bytes) and length
 * (*LEN), checked against the format and the frame. NULL, or what is wrong.
 */
static const char *record_at(const struct trace_reader *r, size_t pos, int *n, uint64_t *len)
{
	*n = varint__get(r->frame + pos, r->frame_len - pos, len);
	if (*n <= 0)
		return "bad length prefix";
	if (*len > TRACE_MAX_RECORD_BYTES)
		return "record longer than the format allows";
	if (*len > r->frame_len - pos - (size_t)*n)
		return "record runs past the end of its frame";
	return NULL;
}

/*
 * The kind protobuf-c gives the Record at P (LEN bytes), from its top-level
 * tags alone: the last of its oneof's fields (Record has no other), 0 for
 * none, -1 when it cannot be walked (then protobuf-c refuses it too).
 */
static int record_kind(const uint8_t *p, size_t len)
{
	const uint8_t *end = p + len;
	int kind = 0;

	while (p < end) {
		uint64_t tag, v;
		int n = varint__get(p, (size_t)(end - p), &tag);

		if (n <= 0)
			return -1;
		p += n;
		switch (tag & 7) {
		case 0:	/* varint */
			n = varint__get(p, (size_t)(end - p), &v);
			if (n <= 0)
				return -1;
			p += n;
			break;
		case 1:	/* 64-bit */
		case 5:	/* 32-bit */
			v = (tag & 7) == 1 ? 8 : 4;
			if ((uint64_t)(end - p) < v)
				return -1;
			p += v;
			break;
		case 2:	/* length-delimited */
			n = varint__get(p, (size_t)(end - p), &v);
			if (n <= 0 || v > (uint64_t)(end - p - n))
				return -1;
			p += (size_t)n + v;
			break;
		default:
			return -1;
		}
		if (tag >> 3 >= MSLAT__RECORD__KIND_HEADER && tag >> 3 <= MSLAT__RECORD__KIND_ARRIVALS)
			kind = (int)(tag >> 3);
	}
	return kind;
}

/* arrivals_first: the current frame's first pass starts at frame_pos. */
static void ahead_start(struct trace_reader *r)
{
	r->ahead_pos = r->frame_pos;
	r->ahead_done = !r->opts.arrivals_first;
}

/*
 * The first pass: the next arrival batch of the frame into r->arr: 1, or 0
 * when the pass is over, or -ENOMEM. It ends at the frame's end or at the
 * first record the in-order pass will refuse for its length, its protobuf,
 * or as an arrival batch (columns of different lengths), or at a footer
 * (nothing after one is read); there the in-order pass reports it, as
 * without the option. A record's kind is the one protobuf-c gives it (its
 * last oneof field: record_kind). Damage inside a batch of another kind is
 * found in order only, after the frame's arrivals were handed out. Nothing
 * is kept but the position.
 */
static int ahead_next(struct trace_reader *r)
{
	while (r->ahead_pos < r->frame_len) {
		size_t pos = r->ahead_pos;
		const uint8_t *p;
		Mslat__Record *rec;
		uint64_t len;
		int n, err, kind;

		if (record_at(r, pos, &n, &len))
			break;
		p = r->frame + pos + n;
		kind = record_kind(p, len);
		if (kind < 0 || kind == MSLAT__RECORD__KIND_FOOTER)
			break;
		if (kind != MSLAT__RECORD__KIND_ARRIVALS) {
			r->ahead_pos = pos + (size_t)n + len;
			continue;
		}
		err = arrival_codec__decode_rows(p, len, &r->arr);
		if (err < 0)
			return err;
		if (err) {
			r->ahead_pos = pos + (size_t)n + len;
			return 1;
		}
		rec = mslat__record__unpack(NULL, len, p);
		if (!rec || rec->kind_case != MSLAT__RECORD__KIND_ARRIVALS ||
		    !arrival_codec__sound(rec->arrivals)) {
			if (rec)
				mslat__record__free_unpacked(rec, NULL);
			break;
		}
		err = arrival_codec__rows_from_pb(&r->arr, rec->arrivals);
		mslat__record__free_unpacked(rec, NULL);
		if (err)
			return err;
		r->ahead_pos = pos + (size_t)n + len;
		return 1;
	}
	r->ahead_done = true;
	return 0;
}

/*
 * Unpack the next record of the current frame: 2 an event batch into r->ev,
 * 3 an arrival batch into r->arr, 1 any other record into r->rec, 0 the
 * frame is done, or a negative errno.
 */
static int next_record(struct trace_reader *r)
{
	const char *why = NULL;
	uint64_t len;
	int n, ret;

next:
	if (r->frame_pos == r->frame_len)
		return 0;
	why = record_at(r, r->frame_pos, &n, &len);
	if (why)
		return bad_record(r, why);
	/* Before where the first pass ended, every arrival batch was handed out by it. */
	if (r->frame_pos < r->ahead_pos &&
	    record_kind(r->frame + r->frame_pos + n, len) == MSLAT__RECORD__KIND_ARRIVALS) {
		r->frame_pos += (size_t)n + len;
		r->stats.records++;
		goto next;
	}
	ret = event_codec__decode_rows(r->frame + r->frame_pos + n, len, &r->ev);
	if (ret == 0) {
		ret = event_codec__decode(r->frame + r->frame_pos + n, len, &r->cols, &why);
		if (ret < 0)
			return ret == -ENOMEM ? ret : bad_record(r, why);
		if (ret == 1)
			ret = rows_from_columns(r) ?: 1;
	}
	if (ret < 0)
		return ret;
	if (ret == 0) {	/* then an arrival batch as protobuf-c writes one, into r->arr */
		ret = arrival_codec__decode_rows(r->frame + r->frame_pos + n, len, &r->arr);
		if (ret == 1)
			ret = 3;
	}
	if (ret < 0)
		return ret;
	if (ret) {
		r->frame_pos += (size_t)n + len;
		r->stats.records++;
		return ret == 1 ? 2 : 3;
	}
	r->rec = mslat__record__unpack(NULL, len, r->frame + r->frame_pos + n);
	if (!r->rec)
		return bad_record(r, "not a valid protobuf record");
	r->frame_pos += (size_t)n + len;
	r->stats.records++;
	return 1;
}

static void free_record(struct trace_reader *r)
{
	if (r->rec)
		mslat__record__free_unpacked(r->rec, NULL);
	r->rec = NULL;
	r->batch = BATCH_NONE;
}

static void note_time(struct trace_reader *r, uint64_t t)
{
	if (!r->stats.min_ns || t < r->stats.min_ns)
		r->stats.min_ns = t;
	if (t > r->stats.max_ns)
		r->stats.max_ns = t;
}

/* Hand out row r->row of the current batch. */
static void next_row(struct trace_reader *r, struct trace_item *item)
{
	size_t i = r->row++;

	item->frame_offset = r->frame_off;
	switch (r->batch) {
	case BATCH_EVENTS:
		item->type = TRACE_ITEM_EVENT;
		item->event = r->ev.rows[i];
		r->stats.events++;
		if (i == 0 || r->row == r->rows) {
			note_time(r, item->event.enter_ns);
			note_time(r, item->event.enter_ns + item->event.duration_ns);
		}
		break;
	case BATCH_SCHED: {
		const Mslat__SchedBatch *b = r->rec->sched;
		struct trace_sched *s = &item->sched;

		item->type = TRACE_ITEM_SCHED;
		r->prev_ns += (uint64_t)b->start_delta_ns[i];
		s->start_ns = r->prev_ns;
		s->duration_ns = b->duration_ns[i];
		s->tid = b->tid[i];
		s->pid = b->pid[i];
		s->what = b->what[i];
		s->cpu = b->n_cpu ? b->cpu[i] : 0;
		r->stats.sched++;
		break;
	}
	case BATCH_ARRIVALS:
		item->type = TRACE_ITEM_ARRIVAL;
		item->arrival = r->arr.rows[i];
		r->stats.arrivals++;
		break;
	case BATCH_NONE:
		break;
	}
	if (r->row == r->rows)
		r->batch = BATCH_NONE;
}

/* Hand out the N rows of a batch of KIND from the next call on (none: no batch). */
static int start_rows(struct trace_reader *r, enum batch_kind kind, size_t n)
{
	r->batch = n ? kind : BATCH_NONE;
	r->row = 0;
	r->rows = n;
	return 0;
}

/*
 * An event batch protobuf-c had to unpack (written by another encoder, with
 * fields our codec leaves to it): copy it into the columns rows are read from.
 */
static int columns_from_pb(struct trace_reader *r, const Mslat__EventBatch *b)
{
	struct event_columns *c = &r->cols;
	size_t n = b->n_enter_delta_ns;
	void *p;

#define COPY_COL(dst, src, cnt, idx)                                          \
	do {                                                                  \
		p = realloc(c->dst, ((cnt) ? (cnt) : 1) * sizeof(*c->dst));     \
		if (!p)                                                       \
			return -ENOMEM;                                       \
		c->dst = p;                                                   \
		c->cap[(idx) - 1] = (cnt) ? (cnt) : 1;                        \
		if (cnt)                                                      \
			memcpy(c->dst, (src), (cnt) * sizeof(*c->dst));       \
		c->n[idx] = (cnt);                                            \
	} while (0)
	COPY_COL(enter_delta, b->enter_delta_ns, n, 1);
	COPY_COL(duration, b->duration_ns, n, 2);
	COPY_COL(tid_delta, b->tid_delta, n, 3);
	COPY_COL(pid_delta, b->pid_delta, n, 4);
	COPY_COL(syscall, b->syscall, n, 5);
	COPY_COL(fd, b->fd, b->n_fd, 6);
	COPY_COL(fd_kind, b->fd_kind, b->n_fd_kind, 7);
	COPY_COL(ret, b->ret, b->n_ret, 8);
#undef COPY_COL
	c->base_ns = b->base_ns;
	c->rows = n;
	return 0;
}

/* Turn r->rec into an item, or start handing out its rows. 1: item filled, 0: no item. */
static int dispatch(struct trace_reader *r, struct trace_item *item)
{
	Mslat__Record *rec = r->rec;
	int err;

	item->frame_offset = r->frame_off;
	r->row = r->rows = 0;
	switch (rec->kind_case) {
	case MSLAT__RECORD__KIND_EVENTS:
		err = check_events(r, rec->events);
		if (!err)
			err = columns_from_pb(r, rec->events);
		if (!err)
			err = rows_from_columns(r);
		if (err)
			return err;
		return start_rows(r, BATCH_EVENTS, r->ev.n);
	case MSLAT__RECORD__KIND_SCHED:
		err = check_sched(r, rec->sched);
		if (err)
			return err;
		r->prev_ns = rec->sched->base_ns;
		return start_rows(r, BATCH_SCHED, rec->sched->n_start_delta_ns);
	case MSLAT__RECORD__KIND_ARRIVALS:
		err = check_arrivals(r, rec->arrivals);
		if (!err)
			err = arrival_codec__rows_from_pb(&r->arr, rec->arrivals);
		return err ?: start_rows(r, BATCH_ARRIVALS, r->arr.n);
	case MSLAT__RECORD__KIND_PROCESS:
		item->type = TRACE_ITEM_PROCESS;
		item->process = rec->process;
		r->stats.processes++;
		return 1;
	case MSLAT__RECORD__KIND_LOSS:
		item->type = TRACE_ITEM_LOSS;
		item->loss = rec->loss;
		r->stats.losses++;
		/* Saturating: counts come from the file, and a total must not wrap to a few. */
		r->stats.lost = r->stats.lost + rec->loss->count < r->stats.lost ? UINT64_MAX :
				r->stats.lost + rec->loss->count;
		return 1;
	case MSLAT__RECORD__KIND_MARKER:
		item->type = TRACE_ITEM_MARKER;
		item->marker = rec->marker;
		r->stats.markers++;
		return 1;
	case MSLAT__RECORD__KIND_FOOTER:
		item->type = TRACE_ITEM_FOOTER;
		item->footer = rec->footer;
		r->stats.footer = true;
		if (rec->footer->end_ns > r->stats.footer_end_ns)
			r->stats.footer_end_ns = rec->footer->end_ns;
		return 1;
	case MSLAT__RECORD__KIND_HEADER:
		if (!r->extra_headers++)	/* a file of them warned millions of times */
			log_warn("'%s': a second header at offset %llu is ignored", r->name,
				 (unsigned long long)r->frame_off);
		return 0;
	default:
		item->type = TRACE_ITEM_UNKNOWN;
		r->stats.unknown_records++;
		return 1;
	}
}

static int fail(struct trace_reader *r, int err)
{
	if (err == -ENOMEM)
		log_error("'%s': out of memory", r->name);
	r->err = err;
	r->stats.error_at = r->frame_off;
	return err;
}

/* After a corrupt frame: either give up, or skip to the next frame. */
static int on_corrupt(struct trace_reader *r, int err)
{
	int ret;

	if (!r->opts.skip_corrupt || err != -EBADMSG)
		return fail(r, err);
	r->stats.corrupt_frames++;
	r->frame_len = r->frame_pos = r->ahead_pos = 0;
	r->ahead_done = true;
	ret = read_input(r, resync_fn);
	if (ret < 0)
		return fail(r, ret);
	return 0;
}

/* The end of the reading; what was only counted is said now. */
static void finish(struct trace_reader *r)
{
	r->done = true;
	if (r->extra_headers > 1)
		log_warn("'%s': %llu more header records were ignored", r->name,
			 (unsigned long long)(r->extra_headers - 1));
}

/* The iterator of both APIs; in BULK mode, 2 says "an event batch is ready". */
static int advance(struct trace_reader *r, struct trace_item *item, bool bulk)
{
	int ret;

	if (r->err)
		return r->err;
	if (!r->header_returned) {
		r->header_returned = true;
		item->type = TRACE_ITEM_HEADER;
		item->header = r->header;
		item->frame_offset = 0;
		return 1;
	}
	for (;;) {
		if (r->batch != BATCH_NONE) {
			if (bulk && r->batch == BATCH_EVENTS)
				return 2;
			next_row(r, item);
			return 1;
		}
		free_record(r);
		if (r->done)
			return 0;
		if (!r->ahead_done) {
			ret = ahead_next(r);
			if (ret < 0)
				return fail(r, ret);
			if (ret) {
				item->frame_offset = r->frame_off;
				start_rows(r, BATCH_ARRIVALS, r->arr.n);
				continue;
			}
		}
		if (r->stats.footer) {
			/* Nothing belongs after a footer (e.g. two traces concatenated). */
			if (r->frame_pos < r->frame_len || r->in_pos < r->in_len || refill(r) > 0)
				log_warn("'%s': data after the footer at offset %llu is ignored", r->name,
					 (unsigned long long)(r->frame_pos < r->frame_len ? r->frame_off
											  : in_offset(r)));
			finish(r);
			return 0;
		}
		ret = next_record(r);
		if (ret < 0) {
			ret = on_corrupt(r, ret);
			if (ret < 0)
				return ret;
			continue;
		}
		if (ret == 2 || ret == 3) {
			item->frame_offset = r->frame_off;
			if (ret == 2)
				start_rows(r, BATCH_EVENTS, r->ev.n);
			else
				start_rows(r, BATCH_ARRIVALS, r->arr.n);
			continue;
		}
		if (ret == 0) {
			ret = read_input(r, read_frame_fn);
			if (ret < 0) {
				ret = on_corrupt(r, ret);
				if (ret < 0)
					return ret;
				continue;
			}
			if (ret > 0)
				ahead_start(r);
			if (ret == 0) {
				finish(r);
				if (!r->stats.footer && !r->stats.truncated) {
					r->stats.truncated = true;
					log_warn("'%s' is truncated: it has no footer (the recorder did not finish); "
						 "everything in it was read", r->name);
				}
				return 0;
			}
			continue;
		}
		ret = dispatch(r, item);
		if (ret < 0) {
			ret = on_corrupt(r, ret);
			if (ret < 0)
				return ret;
			continue;
		}
		if (ret == 1)
			return 1;
	}
}

/* Read the first frame and check its header. */
static int read_header(struct trace_reader *r)
{
	int ret;

	ret = read_input(r, read_frame_fn);
	if (ret < 0)
		return ret;
	if (ret == 0) {
		if (r->stats.truncated)
			log_error("'%s' is truncated before the end of its header (%llu bytes)", r->name,
				  (unsigned long long)r->stats.file_bytes);
		else
			log_error("'%s' is empty: not a mslat trace", r->name);
		return r->stats.truncated ? -EBADMSG : -EPROTO;
	}
	ret = next_record(r);
	if (ret == 2 || ret == 3) {
		log_error("'%s' does not start with a header record: not a mslat trace", r->name);
		return -EPROTO;
	}
	if (ret <= 0) {
		if (ret == 0)
			log_error("'%s': the first frame holds no record: not a mslat trace", r->name);
		return ret ? ret : -EPROTO;
	}
	if (r->rec->kind_case != MSLAT__RECORD__KIND_HEADER) {
		log_error("'%s' does not start with a header record: not a mslat trace", r->name);
		return -EPROTO;
	}
	/* Detach the header from its record: it lives as long as the reader. */
	r->header = r->rec->header;
	r->rec->header = NULL;
	r->rec->kind_case = MSLAT__RECORD__KIND__NOT_SET;
	free_record(r);
	ahead_start(r);	/* the rest of the header's frame */
	return check_header(r, r->header);
}

struct trace_reader *trace_reader__open_file(FILE *f, const char *name,
					     const struct trace_reader_opts *opts)
{
	struct trace_reader *r;
	int err;

	r = calloc(1, sizeof(*r));
	if (!r)
		return errno = ENOMEM, NULL;
	r->f = f;
	if (opts)
		memcpy(&r->opts, opts, opts->sz && opts->sz < sizeof(r->opts) ? opts->sz : sizeof(r->opts));
	r->name = strdup(name ? name : "(trace)");
	r->in = malloc(IN_CHUNK);
	r->in_cap = IN_CHUNK;
	r->dctx = ZSTD_createDCtx();
	if (!r->name || !r->in || !r->dctx) {
		err = -ENOMEM;
		goto err_free;
	}
	ZSTD_DCtx_setParameter(r->dctx, ZSTD_d_windowLogMax, TRACE_MAX_WINDOW_LOG);
	/*
	 * A regular file from its start is read in place; anything else (a
	 * pipe, a FILE already read from) is copied in.
	 */
	if (fileno(f) >= 0 && ftello(f) == 0 && !file_map__open(fileno(f), &r->map)) {
		free(r->in);
		r->in = (uint8_t *)r->map.data;	/* only read: refill and grow_input stop at in_eof */
		r->in_len = r->in_cap = r->map.len;
		r->in_eof = true;
		r->stats.file_bytes = r->map.len;
	}
	err = read_header(r);
	if (err)
		goto err_free;
	return r;

err_free:
	if (err == -ENOMEM)
		log_error("'%s': out of memory", name);
	r->f = NULL;
	trace_reader__close(r);
	errno = -err;
	return NULL;
}

struct trace_reader *trace_reader__open(const char *path, const struct trace_reader_opts *opts)
{
	struct trace_reader *r;
	FILE *f;
	int err;

	if (!strcmp(path, "-"))
		return trace_reader__open_file(stdin, "(stdin)", opts);
	f = fopen(path, "rbe");
	if (!f) {
		err = errno;
		log_error("cannot open '%s': %s", path, strerror(err));
		errno = err;
		return NULL;
	}
	r = trace_reader__open_file(f, path, opts);
	if (!r) {
		err = errno;
		fclose(f);
		errno = err;
		return NULL;
	}
	r->own_f = true;
	return r;
}

int trace_reader__next(struct trace_reader *r, struct trace_item *item)
{
	return advance(r, item, false);
}

/* Rows [r->row, r->rows) of the current event batch, handed out at once. */
static const struct trace_event *take_rows(struct trace_reader *r, size_t *n)
{
	const struct trace_event *e = r->ev.rows + r->row;
	size_t cnt = r->rows - r->row;

	note_time(r, e[0].enter_ns);
	note_time(r, e[cnt - 1].enter_ns + e[cnt - 1].duration_ns);
	r->row = r->rows;
	r->batch = BATCH_NONE;
	r->stats.events += cnt;
	*n = cnt;
	return e;
}

int trace_reader__next_bulk(struct trace_reader *r, struct trace_item *item,
			    const struct trace_event **events, size_t *n)
{
	int ret;

	ret = advance(r, item, true);
	if (ret != 2)
		return ret;
	*events = take_rows(r, n);
	return 2;
}

const struct trace_arrival *trace_reader__rest_of_arrivals(struct trace_reader *r, size_t *n)
{
	const struct trace_arrival *a = r->arr.rows + r->row;

	if (r->batch != BATCH_ARRIVALS) {
		*n = 0;
		return NULL;
	}
	*n = r->rows - r->row;
	r->stats.arrivals += *n;
	r->row = r->rows;
	r->batch = BATCH_NONE;
	return a;
}

void trace_reader__close(struct trace_reader *r)
{
	if (!r)
		return;
	event_codec__free_rows(&r->ev);
	free_record(r);
	arrival_codec__free_rows(&r->arr);
	event_codec__free(&r->cols);
	if (r->header)
		mslat__header__free_unpacked(r->header, NULL);
	if (r->own_f && r->f)
		fclose(r->f);
	ZSTD_freeDCtx(r->dctx);
	free(r->frame);
	if (r->map.data)
		file_map__close(&r->map);
	else
		free(r->in);
	free(r->name);
	free(r);
}
