// SPDX-License-Identifier: MIT
/* The .mslat format: round trips, zstd compatibility, truncation, corruption, versions, bounds. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <zstd.h>

#include "log.h"
#include "test.h"
#include "trace_format.h"
#include "trace_reader.h"
#include "trace_util.h"
#include "trace_writer.h"
#include "varint.h"

/* Write N reproducible events, flushing a frame every FLUSH_EVERY (0: never by hand). */
static int write_events(const char *path, uint64_t seed, uint64_t n, uint64_t flush_every,
			const struct trace_writer_opts *opts)
{
	Mslat__Header h = tu__header();
	struct trace_writer *w = trace_writer__open(path, &h, opts);
	struct trace_event ev;
	int err = 0;

	if (!w)
		return -errno;
	for (uint64_t i = 0; i < n && !err; i++) {
		tu__event(seed, i, &ev);
		err = trace_writer__append_event(w, &ev);
		if (!err && flush_every && (i + 1) % flush_every == 0)
			err = trace_writer__flush(w);
	}
	if (err) {
		trace_writer__abandon(w);
		return err;
	}
	return trace_writer__close(w, NULL);
}

/* Read every event back and compare it with the sequence; returns events read or -errno. */
static int64_t verify_events(const char *path, uint64_t seed, bool *footer)
{
	struct trace_reader *r = trace_reader__open(path, NULL);
	struct trace_item it;
	struct trace_event want;
	int64_t n = 0;
	int ret;

	if (!r)
		return -errno;
	*footer = false;
	while ((ret = trace_reader__next(r, &it)) > 0) {
		if (it.type == TRACE_ITEM_FOOTER)
			*footer = true;
		if (it.type != TRACE_ITEM_EVENT)
			continue;
		tu__event(seed, (uint64_t)n, &want);
		if (memcmp(&want, &it.event, sizeof(want))) {
			test__check(false, __FILE__, __LINE__,
				    "event %lld differs: enter %llu/%llu dur %llu/%llu tid %u/%u fd %d/%d ret %lld/%lld",
				    (long long)n, (unsigned long long)want.enter_ns,
				    (unsigned long long)it.event.enter_ns,
				    (unsigned long long)want.duration_ns,
				    (unsigned long long)it.event.duration_ns, want.tid, it.event.tid, want.fd,
				    it.event.fd, (long long)want.ret, (long long)it.event.ret);
			ret = -EBADMSG;
			break;
		}
		n++;
	}
	trace_reader__close(r);
	return ret < 0 ? ret : n;
}

static void round_trip(uint64_t n, size_t frame_bytes, size_t batch_rows)
{
	struct trace_writer_opts o = { .sz = sizeof(o), .frame_bytes = frame_bytes,
				       .batch_rows = batch_rows };
	const char *path = tu__path("rt.mslat");
	bool footer;
	int64_t got;

	unlink(path);
	if (!ASSERT_OK(write_events(path, 42 + n, n, 0, &o), "write"))
		return;
	got = verify_events(path, 42 + n, &footer);
	ASSERT_EQ(got, (int64_t)n, "events read back");
	ASSERT_TRUE(footer, "footer");
	unlink(path);
}

TEST(format, round_trip_small)
{
	static const uint64_t sizes[] = { 0, 1, 2, 1000, 16383, 16384, 16385, 100000 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		round_trip(sizes[i], 0, 0);
}

TEST(format, round_trip_many_frames)
{
	/* Tiny frames and odd batches: rows cross every kind of boundary. */
	round_trip(200000, 4096, 1000);
	round_trip(50000, 65536, 7);
}

TEST(format, round_trip_10m)
{
	round_trip(10000000, 0, 0);
}

TEST(format, all_record_kinds)
{
	const char *path = tu__path("kinds.mslat");
	Mslat__Header h = tu__header();
	struct trace_writer *w;
	Mslat__ProcessInfo p = MSLAT__PROCESS_INFO__INIT;
	Mslat__Loss l = MSLAT__LOSS__INIT;
	Mslat__Marker m = MSLAT__MARKER__INIT;
	struct trace_sched s = { .start_ns = 5000, .duration_ns = 70, .tid = 7, .pid = 6, .cpu = 1,
				 .what = TRACE_SCHED_RUNQ };
	struct trace_arrival a = { .time_ns = 6000, .pid = 6, .fd = 9, .bytes = 512 };
	char *argv[] = { "gunicorn", "app:app", "--bind", "0.0.0.0:8000" };
	struct trace_reader_stats st;
	struct trace_reader *r;
	struct trace_item it;
	int seen[TRACE_ITEM_UNKNOWN + 1] = {};

	unlink(path);
	w = trace_writer__open(path, &h, NULL);
	if (!ASSERT_OK_PTR(w, "open"))
		return;
	p.what = MSLAT__PROCESS_INFO__WHAT__FORK;
	p.pid = 6;
	p.ppid = 1;
	p.comm = "gunicorn";
	p.cmdline = argv;
	p.n_cmdline = 4;
	p.cgroup = "/system.slice/app.service";
	l.count = 17;
	l.cpu = 1;
	m.name = "request";
	m.id = 99;
	ASSERT_OK(trace_writer__append_process(w, &p), "process");
	ASSERT_OK(trace_writer__append_sched(w, &s), "sched");
	ASSERT_OK(trace_writer__append_arrival(w, &a), "arrival");
	ASSERT_OK(trace_writer__append_loss(w, &l), "loss");
	ASSERT_OK(trace_writer__append_marker(w, &m), "marker");
	ASSERT_OK(trace_writer__close(w, NULL), "close");

	r = trace_reader__open(path, NULL);
	if (!ASSERT_OK_PTR(r, "reader"))
		return;
	while (trace_reader__next(r, &it) > 0) {
		seen[it.type]++;
		if (it.type == TRACE_ITEM_PROCESS) {
			ASSERT_EQ(it.process->n_cmdline, 4, "cmdline");
			ASSERT_STREQ(it.process->cmdline[3], "0.0.0.0:8000", "argv[3]");
			ASSERT_STREQ(it.process->cgroup, "/system.slice/app.service", "cgroup");
		} else if (it.type == TRACE_ITEM_SCHED) {
			ASSERT_TRUE(!memcmp(&it.sched, &s, sizeof(s)), "sched row");
		} else if (it.type == TRACE_ITEM_ARRIVAL) {
			ASSERT_TRUE(!memcmp(&it.arrival, &a, sizeof(a)), "arrival row");
		} else if (it.type == TRACE_ITEM_HEADER) {
			ASSERT_STREQ(it.header->hostname, "unit-host", "hostname");
			ASSERT_STREQ(trace_reader__syscall_name(r, 202), "futex", "syscall 202");
		}
	}
	trace_reader__stats(r, &st);
	ASSERT_EQ(st.lost, 17, "lost");
	ASSERT_FALSE(st.truncated, "complete");
	for (int t = TRACE_ITEM_HEADER; t <= TRACE_ITEM_FOOTER; t++)
		if (t != TRACE_ITEM_EVENT)
			ASSERT_EQ(seen[t], 1, "one item of each kind");
	trace_reader__close(r);
}

/* `zstd -t` accepts the file and `zstd -dc` gives the varint-prefixed records. */
TEST(format, zstd_tool_compatible)
{
	const char *path = tu__path("z.mslat"), *raw = tu__path("z.raw");
	char cmd[1024];
	uint8_t *buf;
	size_t len, pos = 0, records = 0;
	bool header_first = false;

	unlink(path);
	if (!ASSERT_OK(write_events(path, 7, 50000, 10000, NULL), "write"))
		return;
	snprintf(cmd, sizeof(cmd), "zstd -q -t '%s'", path);
	if (!ASSERT_EQ(system(cmd), 0, "zstd -t"))
		return;
	snprintf(cmd, sizeof(cmd), "zstd -q -dc '%s' > '%s'", path, raw);
	if (!ASSERT_EQ(system(cmd), 0, "zstd -dc"))
		return;
	buf = tu__read_file(raw, &len);
	if (!ASSERT_OK_PTR(buf, "read raw"))
		return;
	while (pos < len) {
		uint64_t rlen = 0;
		int n = varint__get(buf + pos, len - pos, &rlen);
		Mslat__Record *rec;

		if (!ASSERT_TRUE(n > 0 && rlen <= len - pos - (size_t)n, "length prefix"))
			break;
		rec = mslat__record__unpack(NULL, rlen, buf + pos + n);
		if (!ASSERT_OK_PTR(rec, "record unpacks"))
			break;
		if (records == 0)
			header_first = rec->kind_case == MSLAT__RECORD__KIND_HEADER;
		mslat__record__free_unpacked(rec, NULL);
		pos += (size_t)n + rlen;
		records++;
	}
	ASSERT_TRUE(header_first, "header first");
	ASSERT_EQ(records, 1 + 5 + 1, "header + batches + footer");
	free(buf);
}

/*
 * Walk the zstd frames of BUF (RFC 8878) and count, per frame, the literals
 * sections of its compressed blocks that are Huffman-coded (types 2 and 3)
 * and those stored (0 raw, 1 RLE). Returns the frames, or -1 when BUF is not
 * a sequence of at most MAX frames.
 */
static int literal_types(const uint8_t *p, size_t len, long *huffman, long *stored, int max)
{
	static const uint8_t did_bytes[4] = { 0, 1, 2, 4 };
	size_t pos = 0;
	int frames = 0;

	while (pos + 5 <= len && frames < max) {
		uint32_t magic = (uint32_t)p[pos] | (uint32_t)p[pos + 1] << 8 |
				 (uint32_t)p[pos + 2] << 16 | (uint32_t)p[pos + 3] << 24;
		uint8_t fhd = p[pos + 4];
		bool single = fhd & 0x20, checksum = fhd & 0x04, last = false;
		size_t fcs = (fhd >> 6) == 0 ? (single ? 1 : 0) : (size_t)1 << (fhd >> 6);

		if (magic != 0xFD2FB528U)
			return -1;
		huffman[frames] = stored[frames] = 0;
		pos += 5 + (single ? 0 : 1) + did_bytes[fhd & 3] + fcs;
		while (!last) {
			uint32_t bh, type;

			if (pos + 4 > len)
				return -1;
			bh = (uint32_t)p[pos] | (uint32_t)p[pos + 1] << 8 | (uint32_t)p[pos + 2] << 16;
			last = bh & 1;
			type = (bh >> 1) & 3;
			pos += 3;
			if (type == 2)
				((p[pos] & 3) >= 2 ? huffman : stored)[frames]++;
			pos += type == 1 ? 1 : bh >> 3;
		}
		pos += checksum ? 4 : 0;
		frames++;
	}
	return pos == len ? frames : -1;
}

enum content { WIDE, REGULAR, WIDE_THEN_REGULAR, MOSTLY_REGULAR, REPEATING, ONE_WIDE_FRAME };

/*
 * Rows of KIND, a frame every 20,000: WIDE are tu__event's (times drawn
 * wide, as a busy server's), REGULAR a tight loop's (one syscall, times from
 * a few values); WIDE_THEN_REGULAR half and half; MOSTLY_REGULAR one row in
 * 16 wide (frames that compress near the ratio that switches); REPEATING
 * a pattern of 1,500 wide rows over and over, a fifth of them changed (it
 * compresses better stored, at level 3, than with Huffman at level 1);
 * ONE_WIDE_FRAME regular after the first frame's rows.
 */
static int write_content(const char *path, enum content kind)
{
	Mslat__Header h = tu__header();
	struct trace_writer *w = trace_writer__open(path, &h, NULL);
	struct trace_event ev;
	int err = 0;

	if (!w)
		return -errno;
	for (uint64_t i = 0; i < 200000 && !err; i++) {
		bool regular = kind == REGULAR || (kind == WIDE_THEN_REGULAR && i >= 100000) ||
			       (kind == MOSTLY_REGULAR && i % 16) ||
			       (kind == ONE_WIDE_FRAME && i >= 20000);

		tu__event(5, kind == REPEATING ? i % 1500 : i, &ev);
		if (kind == REPEATING) {
			uint64_t seed = i * 7919 + 1;

			ev.enter_ns += i / 1500 * 1500 * 5000;
			if (tu__rand(&seed) % 1000 < 200) {
				struct trace_event other;

				tu__event(9, i, &other);
				ev.duration_ns = other.duration_ns;
				ev.ret = other.ret;
				ev.enter_ns += other.enter_ns & 4095;
			}
		} else if (regular) {
			ev.enter_ns = 1000000000ULL + i * 700 + (ev.enter_ns & 15);
			ev.duration_ns = 180 + (ev.duration_ns & 31);
			ev.syscall = 110;
			ev.fd = -1;
			ev.fd_kind = 0;
			ev.ret = 1;
			ev.tid = ev.pid = 1000;
		}
		err = trace_writer__append_event(w, &ev);
		if (!err && (i + 1) % 20000 == 0)
			err = trace_writer__flush(w);
	}
	if (err) {
		trace_writer__abandon(w);
		return err;
	}
	return trace_writer__close(w, NULL);
}

/*
 * Frames of mostly literals store them (after the first data frame, which
 * has nothing before it to judge by); regular content keeps Huffman coding,
 * where it saves most, and gets it back after wide content; near the ratios
 * that switch, and on content that compresses better stored than with
 * Huffman, the choice holds instead of flipping every frame
 * (docs/performance.md, ninth and tenth passes).
 */
TEST(format, literals_stored_where_they_are_most)
{
	const char *path = tu__path("lit.mslat");
	long huff[64], stored[64];

	for (enum content kind = WIDE; kind <= ONE_WIDE_FRAME; kind++) {
		uint8_t *buf;
		size_t len;
		int frames;
		bool footer;

		unlink(path);
		if (!ASSERT_OK(write_content(path, kind), "write"))
			return;
		buf = tu__read_file(path, &len);
		if (!ASSERT_OK_PTR(buf, "read"))
			return;
		frames = literal_types(buf, len, huff, stored, 64);
		free(buf);
		/* the header's frame, ten of rows (1..10), the footer's */
		if (!ASSERT_EQ(frames, 12, "frames"))
			return;
		for (int f = 2; f <= 10; f++) {
			bool wide = kind == WIDE || (kind == WIDE_THEN_REGULAR && f <= 5);

			if (kind == MOSTLY_REGULAR || kind == REPEATING) {
				if (f >= 3)	/* frame 2 may switch, once */
					ASSERT_EQ(huff[f] > 0, huff[f - 1] > 0,
						  kind == REPEATING ? "repeating: the choice holds" :
								      "mostly regular: the choice holds");
			} else if (wide) {
				ASSERT_EQ(huff[f], 0, "wide content: no Huffman-coded literals");
				ASSERT_TRUE(stored[f] > 0, "wide content: stored literals");
			} else if (kind == REGULAR || (kind == WIDE_THEN_REGULAR && f >= 7) ||
				   (kind == ONE_WIDE_FRAME && f >= 3)) {
				/* frames 6 and 2 are judged by a wide one */
				ASSERT_TRUE(huff[f] > 0, "regular content: Huffman-coded literals");
			}
		}
		if (kind == WIDE)
			ASSERT_EQ(verify_events(path, 5, &footer), 200000, "read back");
	}
}

/* Offsets where each frame of BUF ends. Returns the count. */
static size_t frame_ends(const uint8_t *buf, size_t len, size_t *ends, size_t max)
{
	size_t pos = 0, n = 0;

	while (pos < len && n < max) {
		size_t sz = ZSTD_findFrameCompressedSize(buf + pos, len - pos);

		if (ZSTD_isError(sz))
			break;
		pos += sz;
		ends[n++] = pos;
	}
	return n;
}

/*
 * A trace of FRAMES data frames of PER_FRAME events at PATH, read back
 * whole: its bytes, LEN, and where each frame ends (the header frame, the
 * data frames, the footer frame). NULL, asserted, when it is not so.
 */
static uint8_t *framed_trace(const char *path, uint64_t seed, size_t frames, uint64_t per_frame,
			     size_t *len, size_t *ends, size_t max)
{
	uint8_t *buf;

	unlink(path);
	if (!ASSERT_OK(write_events(path, seed, per_frame * frames, per_frame, NULL), "write"))
		return NULL;
	buf = tu__read_file(path, len);
	if (!ASSERT_OK_PTR(buf, "read"))
		return NULL;
	if (!ASSERT_EQ(frame_ends(buf, *len, ends, max), frames + 2, "frames")) {
		free(buf);
		return NULL;
	}
	return buf;
}

/*
 * Read R (a trace cut at offset C) to its end and close it: a clean end,
 * every event of the data frames 1..FRAMES (PER_FRAME each) ending by C,
 * and "truncated". False, with the offset printed, when it is not so.
 */
static bool cut_reads_whole_frames(struct trace_reader *r, size_t c, size_t len,
				   const size_t *ends, size_t frames, int64_t per_frame)
{
	struct trace_reader_stats st;
	struct trace_item it;
	int64_t events = 0, want = 0;
	int ret;

	while ((ret = trace_reader__next(r, &it)) > 0)
		events += it.type == TRACE_ITEM_EVENT;
	trace_reader__stats(r, &st);
	trace_reader__close(r);
	for (size_t k = 1; k <= frames; k++)
		if (ends[k] <= c)
			want += per_frame;
	if (!ASSERT_EQ(ret, 0, "clean end") || !ASSERT_EQ(events, want, "events before the cut") ||
	    !ASSERT_TRUE(st.truncated, "reported truncated")) {
		fprintf(stderr, "    at cut offset %zu of %zu\n", c, len);
		return false;
	}
	return true;
}

/*
 * A cut anywhere reads without error beyond "truncated" (or, inside the
 * header frame, a clean refusal), and yields every event of every whole frame.
 */
TEST(format, truncation_every_offset)
{
	const char *path = tu__path("t.mslat"), *cut = "t.cut";
	enum { PER_FRAME = 200, FRAMES = 6 };
	size_t len, ends[64];
	uint8_t *buf = framed_trace(path, 9, FRAMES, PER_FRAME, &len, ends, 64);

	if (!buf)
		return;
	for (size_t c = 0; c < len; c++) {
		FILE *f = c ? fmemopen(buf, c, "rb") : fopen("/dev/null", "rb");
		struct trace_reader *r = trace_reader__open_file(f, cut, NULL);
		bool ok;

		if (c < ends[0]) {
			fclose(f);
			if (!ASSERT_TRUE(!r && (errno == EBADMSG || errno == EPROTO), "cut in header refused"))
				break;
			continue;
		}
		if (!ASSERT_OK_PTR(r, "open cut file")) {
			fclose(f);
			break;
		}
		ok = cut_reads_whole_frames(r, c, len, ends, FRAMES, PER_FRAME);
		fclose(f);
		if (!ok)
			break;
	}
	free(buf);
}

/* Resident kB of this process's mappings of PATH (/proc/self/smaps); -1 when it has none. */
static long mapped_rss_kb(const char *path)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[4096], perms[8];
	unsigned long lo, hi;
	long rss = -1, kb;
	bool ours = false;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3) {
			char *nl = strchr(line, '\n');

			if (nl)
				*nl = 0;
			ours = strlen(line) >= strlen(path) && !strcmp(line + strlen(line) - strlen(path), path);
			if (ours && rss < 0)
				rss = 0;
		} else if (ours && sscanf(line, "Rss: %ld kB", &kb) == 1) {
			rss += kb;
		}
	}
	fclose(f);
	return rss;
}

/*
 * The same cuts, as files: a regular file is read through a mapping, whose
 * end is the file's; every event of every whole frame, then "truncated".
 */
TEST(format, truncation_of_mapped_files)
{
	const char *path = tu__path("tm.mslat"), *cut = tu__path("tm.cut");
	enum { PER_FRAME = 300, FRAMES = 4 };
	size_t len, ends[16];
	uint8_t *buf = framed_trace(path, 11, FRAMES, PER_FRAME, &len, ends, 16);

	if (!buf)
		return;
	/* Around every frame's end, and a prime stride through the rest. */
	for (size_t c = ends[0]; c < len; c += 37) {
		struct trace_reader *r;

		for (size_t k = 0; k < FRAMES + 2; k++)
			if (c < ends[k] && ends[k] - c < 37 && c + 1 < ends[k])
				c = ends[k] - 1;	/* one byte short of the frame's end, then past it */
		if (!ASSERT_OK(tu__write_file(cut, buf, c), "write cut"))
			break;
		r = trace_reader__open(cut, NULL);
		if (!ASSERT_OK_PTR(r, "open cut file") ||
		    (c == ends[0] && !ASSERT_TRUE(mapped_rss_kb(cut) >= 0, "read through a mapping")) ||
		    !cut_reads_whole_frames(r, c, len, ends, FRAMES, PER_FRAME))
			break;
	}
	unlink(cut);
	free(buf);
	unlink(path);
}

/*
 * What was read of a mapped file leaves the process as the read goes on: in
 * the last frame, only pages of about that frame are resident, not the file.
 */
TEST(format, mapped_pages_released)
{
	const char *path = tu__path("release.mslat");
	enum { PER_FRAME = 20000, FRAMES = 10 };
	size_t len, ends[16];
	uint8_t *buf = framed_trace(path, 14, FRAMES, PER_FRAME, &len, ends, 16);
	struct trace_reader *r;
	struct trace_item it;
	int64_t events = 0;
	long rss = -1;

	if (!buf)
		return;
	free(buf);
	r = trace_reader__open(path, NULL);
	if (!ASSERT_OK_PTR(r, "open"))
		goto out;
	while (trace_reader__next(r, &it) > 0)
		if (it.type == TRACE_ITEM_EVENT && ++events == (int64_t)PER_FRAME * (FRAMES - 1) + 1)
			rss = mapped_rss_kb(path);	/* the last data frame just decompressed */
	trace_reader__close(r);
	ASSERT_EQ(events, (int64_t)PER_FRAME * FRAMES, "every event");
	if (!ASSERT_TRUE(rss >= 0 && (size_t)rss * 1024 < 3 * (ends[FRAMES] - ends[FRAMES - 1]) + 256 * 1024,
			 "resident: about the last frame"))
		fprintf(stderr, "    %ld kB of the mapping resident; file %zu bytes, last frame %zu\n", rss, len,
			ends[FRAMES] - ends[FRAMES - 1]);
out:
	unlink(path);
}

/*
 * Read PATH (data frames of PER_FRAME events ending at ENDS[1..]) and cut it
 * to CUT_AT bytes, before the second data frame's end, once the first is
 * being read: every event of the first, then "truncated" at the second, and
 * why.
 */
static void cut_while_reading(const char *path, const size_t *ends, int64_t per_frame,
			      size_t cut_at)
{
	struct trace_reader_stats st;
	struct trace_reader *r;
	struct trace_item it;
	int64_t events = 0;
	int ret;

	tu__capture_log();
	r = trace_reader__open(path, NULL);
	if (!ASSERT_OK_PTR(r, "open")) {
		tu__release_log();
		return;
	}
	while ((ret = trace_reader__next(r, &it)) > 0) {
		if (it.type != TRACE_ITEM_EVENT)
			continue;
		/* The first data frame is decompressed by now; the second not yet read. */
		if (++events == 1 && !ASSERT_OK(truncate(path, (off_t)cut_at), "truncate"))
			break;
	}
	trace_reader__stats(r, &st);
	trace_reader__close(r);
	tu__release_log();
	if (!ASSERT_EQ(ret, 0, "clean end") ||
	    !ASSERT_EQ(events, per_frame, "every event of the frame read before the cut") ||
	    !ASSERT_TRUE(st.truncated, "reported truncated") ||
	    !ASSERT_EQ(st.truncated_at, (uint64_t)ends[1], "at the frame the cut is in") ||
	    !ASSERT_TRUE(strstr(tu__captured(), "shrank while being read") != NULL, "said why"))
		fprintf(stderr, "    cut at %zu; the log said: %s\n", cut_at, tu__captured());
}

/*
 * A file cut while it is being read (log rotation, a recording restarted
 * over it). Its mapped pages past the new end fault, and the rest of the
 * page the new end is in reads as zeros: either way the read ends there as
 * at a cut, with every event before it, never with SIGBUS or "corrupt".
 */
TEST(format, file_shrinking_while_read)
{
	const char *path = tu__path("shrink.mslat");
	enum { PER_FRAME = 20000, FRAMES = 3 };
	size_t len, ends[16], page = (size_t)sysconf(_SC_PAGESIZE);
	uint8_t *buf = framed_trace(path, 12, FRAMES, PER_FRAME, &len, ends, 16);

	if (!buf)
		return;
	if (ASSERT_TRUE(ends[2] - ends[1] > 4 * page, "the second data frame spans pages")) {
		size_t at_page = (ends[1] + 2 * page) / page * page;

		/* On a page boundary: every byte from there on faults. */
		cut_while_reading(path, ends, PER_FRAME, at_page);
		/* Inside a page: zeros up to its end, then faults. */
		if (ASSERT_OK(tu__write_file(path, buf, len), "rewrite"))
			cut_while_reading(path, ends, PER_FRAME, at_page + 100);
		/*
		 * Just before the second frame, in its page: it starts with zeros,
		 * not with a frame's magic ("no zstd frame" but for the check).
		 */
		if (ASSERT_TRUE(ends[1] % page != 0, "the second frame starts inside a page") &&
		    ASSERT_OK(tu__write_file(path, buf, len), "rewrite"))
			cut_while_reading(path, ends, PER_FRAME,
					  ends[1] - (ends[1] % page < 10 ? ends[1] % page : 10));
	}
	free(buf);
	unlink(path);
}

/*
 * The guard turns only a fault of its own reads into an error: any other
 * SIGBUS keeps its default effect, after a mapping installed the handler.
 */
TEST(format, other_sigbus_still_fatal)
{
	const char *path = tu__path("sigbus.mslat"), *other = tu__path("sigbus.other");
	int status = 0;
	pid_t pid;

	unlink(path);
	if (!ASSERT_OK(write_events(path, 13, 1000, 0, NULL), "write"))
		return;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		struct trace_reader *r = trace_reader__open(path, NULL);
		volatile uint8_t *p;
		long page = sysconf(_SC_PAGESIZE);
		int fd = open(other, O_RDWR | O_CREAT | O_TRUNC, 0600);

		if (!r || fd < 0 || ftruncate(fd, 2 * page))
			_exit(3);
		p = mmap(NULL, 2 * page, PROT_READ, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED || ftruncate(fd, 0))
			_exit(4);
		freopen("/dev/null", "w", stderr);	/* a sanitizer's report of it is expected */
		(void)p[page];	/* past the end: SIGBUS, not the reader's */
		_exit(5);
	}
	if (!ASSERT_TRUE(pid > 0, "fork"))
		goto out;
	waitpid(pid, &status, 0);
#ifdef __SANITIZE_ADDRESS__
	/* The disposition before ours is AddressSanitizer's: it reports the fault and exits 1. */
	if (!ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1, "the sanitizer's report"))
#else
	if (!ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS, "killed by SIGBUS"))
#endif
		fprintf(stderr, "    child status 0x%x\n", (unsigned int)status);
out:
	unlink(other);
	unlink(path);
}

/* Flipping any byte gives an error or a warning, never a crash (run under ASan). */
TEST(format, corruption_every_byte)
{
	const char *path = tu__path("c.mslat"), *bad = "c.bad";
	enum { PER_FRAME = 200, FRAMES = 4 };
	size_t len;
	uint8_t *buf;
	int detected = 0, total = 0;

	unlink(path);
	if (!ASSERT_OK(write_events(path, 11, PER_FRAME * FRAMES, PER_FRAME, NULL), "write"))
		return;
	buf = tu__read_file(path, &len);
	if (!ASSERT_OK_PTR(buf, "read"))
		return;
	tu__capture_log();
	for (size_t off = 0; off < len; off++) {
		struct trace_reader_opts ro = { .sz = sizeof(ro), .skip_corrupt = off % 2 };
		struct trace_reader *r;
		struct trace_item it;
		int ret = 0;

		FILE *f;

		buf[off] ^= 0x5a;
		f = fmemopen(buf, len, "rb");
		total++;
		r = trace_reader__open_file(f, bad, &ro);
		if (r) {
			while ((ret = trace_reader__next(r, &it)) > 0)
				;
			trace_reader__close(r);
		}
		fclose(f);
		buf[off] ^= 0x5a;
		if (!r) {
			detected++;
			continue;
		}
		/* Every change is caught: zstd's checksum covers content, framing covers the rest. */
		if (ret < 0 || strstr(tu__captured(), "corrupt") || strstr(tu__captured(), "truncated"))
			detected++;
		else
			fprintf(stderr, "    undetected corruption at offset %zu\n", off);
	}
	tu__release_log();
	ASSERT_EQ(detected, total, "corruptions detected");
	free(buf);
}

TEST(format, skip_corrupt_keeps_other_frames)
{
	const char *path = tu__path("s.mslat");
	struct trace_reader_opts ro = { .sz = sizeof(ro), .skip_corrupt = true };
	enum { PER_FRAME = 500, FRAMES = 6 };
	size_t len, ends[16];
	struct trace_reader *r;
	struct trace_item it;
	int64_t events = 0;
	uint8_t *buf;
	int ret;

	unlink(path);
	if (!ASSERT_OK(write_events(path, 13, PER_FRAME * FRAMES, PER_FRAME, NULL), "write"))
		return;
	buf = tu__read_file(path, &len);
	frame_ends(buf, len, ends, 16);
	buf[(ends[2] + ends[3]) / 2] ^= 0xff;	/* inside data frame 3 */
	tu__write_file(path, buf, len);
	free(buf);
	tu__capture_log();
	r = trace_reader__open(path, &ro);
	if (!ASSERT_OK_PTR(r, "open")) {
		tu__release_log();
		return;
	}
	while ((ret = trace_reader__next(r, &it)) > 0)
		events += it.type == TRACE_ITEM_EVENT;
	trace_reader__close(r);
	tu__release_log();
	ASSERT_EQ(ret, 0, "read to the end");
	ASSERT_EQ(events, PER_FRAME * (FRAMES - 1), "all frames but the corrupt one");
	ASSERT_TRUE(strstr(tu__captured(), "corrupt frame at offset") != NULL, "error names the offset");
}

TEST(format, newer_major_refused)
{
	struct trace_writer_opts o = { .sz = sizeof(o), .version_major = 2, .version_minor = 0 };
	const char *path = tu__path("v2.mslat");
	struct trace_reader *r;

	unlink(path);
	if (!ASSERT_OK(write_events(path, 1, 10, 0, &o), "write 2.0"))
		return;
	tu__capture_log();
	r = trace_reader__open(path, NULL);
	tu__release_log();
	ASSERT_TRUE(!r && errno == ENOTSUP, "refused with ENOTSUP");
	ASSERT_TRUE(strstr(tu__captured(), "2.0") && strstr(tu__captured(), "1.x"),
		    "message names 2.0 and 1.x");
	trace_reader__close(r);
}

/* A 1.(x+1) file: unknown fields in known records and a record kind from the future. */
TEST(format, newer_minor_read)
{
	struct trace_writer_opts o = { .sz = sizeof(o), .version_major = TRACE_VERSION_MAJOR,
				       .version_minor = TRACE_VERSION_MINOR + 1 };
	const char *path = tu__path("v11.mslat");
	Mslat__Header h = tu__header();
	Mslat__EventBatch b = MSLAT__EVENT_BATCH__INIT;
	int64_t delta[2] = { 0, 100 };
	uint64_t dur[2] = { 5, 6 };
	int32_t tid[2] = { 10, 1 }, pid[2] = { 10, 0 };
	uint32_t nr[2] = { 0, 1 };
	uint8_t inner[256], rec[300];
	size_t n_inner, n_rec = 0;
	struct trace_writer *w;
	struct trace_reader *r;
	struct trace_reader_stats st;
	struct trace_item it;
	int events = 0, unknown = 0;

	b.base_ns = 5000;
	b.n_enter_delta_ns = b.n_duration_ns = b.n_tid_delta = b.n_pid_delta = b.n_syscall = 2;
	b.enter_delta_ns = delta;
	b.duration_ns = dur;
	b.tid_delta = tid;
	b.pid_delta = pid;
	b.syscall = nr;
	n_inner = mslat__event_batch__pack(&b, inner);
	n_inner += varint__put(inner + n_inner, (40 << 3) | 0);	/* field 40, varint: unknown */
	n_inner += varint__put(inner + n_inner, 12345);
	n_rec += varint__put(rec + n_rec, (2 << 3) | 2);		/* Record.events */
	n_rec += varint__put(rec + n_rec, n_inner);
	memcpy(rec + n_rec, inner, n_inner);
	n_rec += n_inner;

	unlink(path);
	w = trace_writer__open(path, &h, &o);
	if (!ASSERT_OK_PTR(w, "open"))
		return;
	ASSERT_OK(trace_writer__append_raw(w, rec, n_rec), "batch with an unknown field");
	rec[0] = (uint8_t)((15 << 3) | 2);	/* a Record kind from the future: field 15 */
	ASSERT_OK(trace_writer__append_raw(w, rec, n_rec), "unknown record kind");
	ASSERT_OK(trace_writer__close(w, NULL), "close");

	r = trace_reader__open(path, NULL);
	if (!ASSERT_OK_PTR(r, "a newer minor version opens"))
		return;
	while (trace_reader__next(r, &it) > 0) {
		if (it.type == TRACE_ITEM_EVENT) {
			events++;
			ASSERT_EQ(it.event.enter_ns, events == 1 ? 5000 : 5100, "enter");
			ASSERT_EQ(it.event.tid, 10 + (events - 1), "tid");
		}
		unknown += it.type == TRACE_ITEM_UNKNOWN;
	}
	trace_reader__stats(r, &st);
	ASSERT_EQ(events, 2, "events of the batch with an unknown field");
	ASSERT_EQ(unknown, 1, "unknown record kind reported");
	ASSERT_FALSE(st.truncated, "complete");
	trace_reader__close(r);
}

/* A header frame that claims 1 GiB must be refused before anything is allocated. */
TEST(format, bounds_frame_size)
{
	const char *path = tu__path("big.mslat");
	uint8_t hdr[32];
	size_t n = 0;
	struct trace_reader *r;

	/* zstd frame header: magic, FHD with 8-byte content size and single segment, size. */
	hdr[n++] = 0x28, hdr[n++] = 0xb5, hdr[n++] = 0x2f, hdr[n++] = 0xfd;
	hdr[n++] = 0xe4;	/* FCS 8 bytes, single segment, checksum */
	for (int i = 0; i < 8; i++)
		hdr[n++] = i == 3 ? 0x40 : 0;	/* 1 GiB */
	hdr[n++] = 0x01, hdr[n++] = 0x00, hdr[n++] = 0x00;
	tu__write_file(path, hdr, n);
	tu__capture_log();
	r = trace_reader__open(path, NULL);
	tu__release_log();
	ASSERT_TRUE(!r, "refused");
	ASSERT_TRUE(strstr(tu__captured(), "limit") != NULL, "message names the limit");
}

static int write_frame(FILE *f, const uint8_t *content, size_t len)
{
	size_t cap = ZSTD_compressBound(len);
	uint8_t *z = malloc(cap);
	ZSTD_CCtx *c = ZSTD_createCCtx();
	size_t n;

	ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
	n = ZSTD_compress2(c, z, cap, content, len);
	fwrite(z, 1, n, f);
	ZSTD_freeCCtx(c);
	free(z);
	return 0;
}

/* Well-compressed frames holding lies: a huge record length, mismatched columns. */
TEST(format, bounds_records)
{
	const char *path = tu__path("lies.mslat"), *good = tu__path("good.mslat");
	static const char *lies[] = { "huge length", "mismatched columns" };
	uint8_t *buf, content[256];
	size_t len, ends[8];

	unlink(good);
	if (!ASSERT_OK(write_events(good, 3, 10, 0, NULL), "write"))
		return;
	buf = tu__read_file(good, &len);
	frame_ends(buf, len, ends, 8);
	for (int lie = 0; lie < 2; lie++) {
		FILE *f = fopen(path, "wb");
		size_t n = 0;
		struct trace_reader *r;
		struct trace_item it;
		int ret;

		fwrite(buf, 1, ends[0], f);	/* the genuine header frame */
		if (lie == 0) {
			n += varint__put(content, 1ULL << 40);
			memset(content + n, 0, 16);
			n += 16;
		} else {
			Mslat__Record rec = MSLAT__RECORD__INIT;
			Mslat__EventBatch b = MSLAT__EVENT_BATCH__INIT;
			int64_t d[3] = { 0 };
			uint64_t dur[1] = { 0 };

			b.n_enter_delta_ns = 3;
			b.enter_delta_ns = d;
			b.n_duration_ns = 1;
			b.duration_ns = dur;
			rec.kind_case = MSLAT__RECORD__KIND_EVENTS;
			rec.events = &b;
			n += varint__put(content, mslat__record__get_packed_size(&rec));
			n += mslat__record__pack(&rec, content + n);
		}
		write_frame(f, content, n);
		fclose(f);
		tu__capture_log();
		r = trace_reader__open(path, NULL);
		ret = 0;
		while (r && (ret = trace_reader__next(r, &it)) > 0)
			;
		trace_reader__close(r);
		tu__release_log();
		if (!ASSERT_EQ(ret, -EBADMSG, lies[lie]))
			continue;
		ASSERT_TRUE(strstr(tu__captured(), "corrupt record") != NULL, "message");
	}
	free(buf);
}

TEST(format, not_a_trace)
{
	const char *path = tu__path("text.txt");
	struct trace_reader *r;

	tu__write_file(path, "hello, world\n", 13);
	tu__capture_log();
	r = trace_reader__open(path, NULL);
	ASSERT_TRUE(!r && errno == EPROTO, "refused");
	ASSERT_TRUE(strstr(tu__captured(), "not a mslat trace") != NULL, "message");
	tu__write_file(path, "", 0);
	r = trace_reader__open(path, NULL);
	ASSERT_TRUE(!r && errno == EPROTO, "empty refused");
	r = trace_reader__open(tu__path("nope.mslat"), NULL);
	ASSERT_TRUE(!r && errno == ENOENT, "missing file");
	tu__release_log();
	ASSERT_TRUE(strstr(tu__captured(), "nope.mslat") != NULL, "message names the file");
}

TEST(format, output_file_safety)
{
	const char *path = tu__path("safe.mslat"), *link = tu__path("link.mslat");
	struct trace_writer_opts force = { .sz = sizeof(force), .force = true };
	Mslat__Header h = tu__header();
	struct trace_writer *w;
	struct stat st;

	unlink(path);
	unlink(link);
	w = trace_writer__open(path, &h, NULL);
	if (!ASSERT_OK_PTR(w, "create"))
		return;
	ASSERT_OK(trace_writer__close(w, NULL), "close");
	ASSERT_OK(stat(path, &st), "stat");
	ASSERT_EQ(st.st_mode & 0777, 0600, "created 0600");
	w = trace_writer__open(path, &h, NULL);
	ASSERT_TRUE(!w && errno == EEXIST, "never overwritten without force");
	w = trace_writer__open(path, &h, &force);
	ASSERT_OK_PTR(w, "overwritten with force");
	trace_writer__close(w, NULL);
	ASSERT_OK(symlink(path, link), "symlink");
	w = trace_writer__open(link, &h, &force);
	ASSERT_TRUE(!w && errno == ELOOP, "a symlink is never followed");
	w = trace_writer__open("/dev/null", &h, &force);
	ASSERT_TRUE(!w && errno == EEXIST, "a device is never written, even with force");
	unlink(link);
	ASSERT_OK(mkfifo(link, 0600), "mkfifo");
	w = trace_writer__open(link, &h, &force);
	ASSERT_TRUE(!w && (errno == EEXIST || errno == ENXIO), "a FIFO is refused without blocking");
}

TEST(format, tick_closes_frames)
{
	struct trace_writer_opts o = { .sz = sizeof(o), .flush_interval_ms = 1000 };
	const char *path = tu__path("tick.mslat");
	Mslat__Header h = tu__header();
	struct trace_writer *w;
	struct trace_event ev;
	uint64_t before;

	unlink(path);
	w = trace_writer__open(path, &h, &o);
	if (!ASSERT_OK_PTR(w, "open"))
		return;
	tu__event(1, 0, &ev);
	ASSERT_OK(trace_writer__append_event(w, &ev), "append");
	before = trace_writer__bytes(w);
	ASSERT_OK(trace_writer__tick(w, 0), "early tick");
	ASSERT_EQ_U64(trace_writer__bytes(w), before, "nothing written before the interval");
	ASSERT_OK(trace_writer__tick(w, UINT64_MAX / 2), "late tick");
	ASSERT_TRUE(trace_writer__bytes(w) > before, "frame written after the interval");
	trace_writer__abandon(w);
}

/* A full disk: the file is cut back to its last whole frame and still reads. */
TEST(format, disk_full_keeps_whole_frames)
{
	const char *path = tu__path("full.mslat");
	enum { PER_FRAME = 5000 };
	pid_t pid;
	int status;
	bool footer;
	int64_t got;

	unlink(path);
	pid = fork();
	if (pid == 0) {
		struct rlimit rl = { 64 << 10, 64 << 10 };

		signal(SIGXFSZ, SIG_IGN);
		setrlimit(RLIMIT_FSIZE, &rl);
		log__set_printer(NULL);
		_exit(write_events(path, 5, PER_FRAME * 100, PER_FRAME, NULL) == -EFBIG ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	if (!ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer reports EFBIG"))
		return;
	tu__capture_log();
	got = verify_events(path, 5, &footer);
	tu__release_log();
	ASSERT_TRUE(got > 0 && got % PER_FRAME == 0, "whole frames of events read back");
	ASSERT_FALSE(footer, "no footer");
	ASSERT_TRUE(strstr(tu__captured(), "truncated") != NULL, "reported truncated");
}

/* trace_reader__next_bulk hands out the same items as trace_reader__next. */
TEST(format, bulk_same_stream)
{
	struct trace_writer_opts o = { .sz = sizeof(o), .batch_rows = 777, .frame_bytes = 20000 };
	const char *path = tu__path("bulk.mslat");
	Mslat__Header h = tu__header();
	Mslat__Loss loss = MSLAT__LOSS__INIT;
	struct trace_reader *a, *b;
	struct trace_writer *w;
	struct trace_event ev;
	struct trace_item ia, ib;
	const struct trace_event *rows = NULL;
	size_t n = 0, k = 0;
	uint64_t events = 0;
	int ra, rb = 1;

	unlink(path);
	w = trace_writer__open(path, &h, &o);
	if (!ASSERT_OK_PTR(w, "open"))
		return;
	for (uint64_t i = 0; i < 20000; i++) {
		tu__event(3, i, &ev);
		trace_writer__append_event(w, &ev);
		if (i % 3001 == 0) {
			loss.count = i;
			trace_writer__append_loss(w, &loss);	/* cuts a batch short */
		}
	}
	ASSERT_OK(trace_writer__close(w, NULL), "close");
	a = trace_reader__open(path, NULL);
	b = trace_reader__open(path, NULL);
	if (!ASSERT_OK_PTR(a, "reader a") || !ASSERT_OK_PTR(b, "reader b"))
		goto out;
	while ((ra = trace_reader__next(a, &ia)) > 0) {
		if (k == n) {
			rb = trace_reader__next_bulk(b, &ib, &rows, &n);
			k = 0;
			if (rb == 1)
				n = 0;
		}
		if (!ASSERT_TRUE(rb > 0, "bulk has more"))
			break;
		if (ia.type == TRACE_ITEM_EVENT) {
			if (!ASSERT_EQ(rb, 2, "rows in bulk") ||
			    !ASSERT_TRUE(!memcmp(&ia.event, &rows[k], sizeof(ia.event)), "same row"))
				break;
			k++;
			events++;
		} else if (!ASSERT_EQ(rb, 1, "an item") || !ASSERT_EQ(ia.type, ib.type, "same item")) {
			break;
		}
	}
	ASSERT_EQ(events, 20000, "every event");
	ASSERT_EQ(trace_reader__next_bulk(b, &ib, &rows, &n), 0, "both end");
out:
	trace_reader__close(a);
	trace_reader__close(b);
}

/*
 * Rows of different kinds are batched apart, but never put in an earlier
 * frame than a row of another kind appended before them: an arrival is in
 * the frame of the receive that consumes it or an earlier one, which the
 * analyzer relies on (docs/trace-format.md, Order). Each row carries its
 * append number; small frames and batches of unequal fill put a frame
 * boundary inside nearly every flush.
 */
/*
 * ROWS rows of the three batched kinds, mostly events, in small batches and
 * frames (every kind in most frames); each row's append number is in a
 * field of its own (event ret, arrival bytes, sched duration).
 */
static int write_mixed_kinds(const char *path, uint32_t rows)
{
	struct trace_writer_opts o = { .sz = sizeof(o), .frame_bytes = 3000, .batch_rows = 50 };
	Mslat__Header h = tu__header();
	struct trace_writer *w;
	uint64_t seed = 7;
	int err = 0;

	unlink(path);
	w = trace_writer__open(path, &h, &o);
	if (!w)
		return -errno;
	for (uint32_t seq = 0; seq < rows && !err; seq++) {
		uint64_t k = tu__rand(&seed) % 10, t = 1000000 + seq * 100ULL;

		if (k < 6) {
			struct trace_event e;

			tu__event(1, seq, &e);
			e.enter_ns = t;
			e.ret = seq;
			err = trace_writer__append_event(w, &e);
		} else if (k < 9) {
			struct trace_arrival a = { .time_ns = t, .pid = 1, .fd = 5, .bytes = seq };

			err = trace_writer__append_arrival(w, &a);
		} else {
			struct trace_sched s = { .start_ns = t, .duration_ns = seq, .tid = 2, .pid = 1 };

			err = trace_writer__append_sched(w, &s);
		}
	}
	return trace_writer__close(w, NULL) ?: err;
}

/* The append number of a row item, or -1 for other items. */
static int64_t mixed_seq(const struct trace_item *it)
{
	if (it->type == TRACE_ITEM_EVENT)
		return it->event.ret;
	if (it->type == TRACE_ITEM_ARRIVAL)
		return it->arrival.bytes;
	if (it->type == TRACE_ITEM_SCHED)
		return (int64_t)it->sched.duration_ns;
	return -1;
}

/*
 * trace_reader__rest_of_arrivals hands out the rest of an arrival batch:
 * the same rows as trace_reader__next one by one, with and without
 * arrivals_first.
 */
TEST(format, rest_of_arrivals_same_stream)
{
	const char *path = tu__path("rest.mslat");
	enum { ROWS = 20000 };

	if (!ASSERT_OK(write_mixed_kinds(path, ROWS), "write"))
		goto out;
	for (int first = 0; first < 2; first++) {
		struct trace_reader_opts ro = { .sz = sizeof(ro), .arrivals_first = first };
		struct trace_reader *a = trace_reader__open(path, &ro), *b = trace_reader__open(path, &ro);
		struct trace_item ia, ib;
		const struct trace_arrival *rest = NULL;
		size_t nrest = 0, k = 0, arrivals = 0, batches = 0, differ = 0;
		struct trace_reader_stats sa, sb;

		if (!ASSERT_OK_PTR(a, "reader a") || !ASSERT_OK_PTR(b, "reader b")) {
			trace_reader__close(a);
			trace_reader__close(b);
			break;
		}
		while (trace_reader__next(a, &ia) > 0) {
			if (k < nrest) {	/* from the rest of b's batch */
				differ += ia.type != TRACE_ITEM_ARRIVAL ||
					  memcmp(&ia.arrival, &rest[k], sizeof(rest[k]));
				k++;
				arrivals++;
				continue;
			}
			if (trace_reader__next(b, &ib) <= 0 || ia.type != ib.type) {
				differ++;
				break;
			}
			if (ia.type == TRACE_ITEM_ARRIVAL) {
				differ += memcmp(&ia.arrival, &ib.arrival, sizeof(ia.arrival)) != 0;
				arrivals++;
				rest = trace_reader__rest_of_arrivals(b, &nrest);
				k = 0;
				batches += nrest > 0;
			}
		}
		ASSERT_EQ(differ, 0, first ? "the same rows, arrivals first" : "the same rows");
		ASSERT_EQ(k, nrest, "every row of the last batch");
		ASSERT_EQ(trace_reader__next(b, &ib), 0, "both end");
		ASSERT_LE(ROWS / 5, arrivals, "arrivals read");
		ASSERT_LE(100, batches, "many batches handed out at once");
		trace_reader__stats(a, &sa);
		trace_reader__stats(b, &sb);
		ASSERT_EQ_U64(sa.arrivals, sb.arrivals, "counted the same");
		trace_reader__close(a);
		trace_reader__close(b);
	}
out:
	unlink(path);
}

TEST(format, frames_keep_append_order_across_kinds)
{
	const char *path = tu__path("order.mslat");
	struct trace_reader *r;
	struct trace_item it;
	enum { ROWS = 60000 };
	uint64_t latest = 0;	/* highest append number seen in a frame before the current one */
	uint64_t cur_frame = 0, cur_max = 0;
	size_t got = 0, late = 0;

	if (!ASSERT_OK(write_mixed_kinds(path, ROWS), "write"))
		goto out;
	r = trace_reader__open(path, NULL);
	if (!ASSERT_OK_PTR(r, "reader"))
		goto out;
	while (trace_reader__next(r, &it) > 0) {
		int64_t s = mixed_seq(&it);
		uint64_t seq = (uint64_t)s;

		if (s < 0)
			continue;
		if (it.frame_offset != cur_frame) {
			latest = cur_max > latest ? cur_max : latest;
			cur_frame = it.frame_offset;
		}
		/* a row appended before something already in an earlier frame is late */
		late += seq < latest;
		cur_max = seq > cur_max ? seq : cur_max;
		got++;
	}
	trace_reader__close(r);
	ASSERT_EQ(got, ROWS, "every row read back");
	ASSERT_EQ(late, 0, "no row in a later frame than a row appended after it");
out:
	unlink(path);
}

/*
 * arrivals_first: each frame's arrivals come before its other rows, in
 * their own order, and everything else in file order; nothing is lost or
 * moved to another frame. Checked against reading in file order.
 */
TEST(format, arrivals_first_per_frame)
{
	const char *path = tu__path("ahead.mslat");
	struct trace_reader_opts ro = { .sz = sizeof(ro), .arrivals_first = true };
	enum { ROWS = 60000 };
	struct { int64_t seq; uint64_t frame; int type; } *in_order = NULL;
	struct trace_reader *r;
	struct trace_item it;
	size_t n = 0, k = 0, frames_mixed = 0, bad_order = 0, moved = 0;

	if (!ASSERT_OK(write_mixed_kinds(path, ROWS), "write"))
		goto out;
	in_order = calloc(ROWS, sizeof(*in_order));
	r = in_order ? trace_reader__open(path, NULL) : NULL;
	if (!ASSERT_OK_PTR(r, "reader"))
		goto out;
	while (trace_reader__next(r, &it) > 0 && n < ROWS) {
		int64_t s = mixed_seq(&it);

		if (s >= 0)
			in_order[n++] = (typeof(*in_order)){ s, it.frame_offset, it.type };
	}
	trace_reader__close(r);
	if (!ASSERT_EQ(n, ROWS, "every row in file order"))
		goto out;

	r = trace_reader__open(path, &ro);
	if (!ASSERT_OK_PTR(r, "reader, arrivals first"))
		goto out;
	/* Per frame: the arrivals of the file-order reading, then its other rows. */
	for (size_t from = 0; from < n;) {
		size_t to = from, arrivals = 0, before_arrival = 0;

		while (to < n && in_order[to].frame == in_order[from].frame)
			to++;
		for (size_t i = from; i < to; i++) {
			arrivals += in_order[i].type == TRACE_ITEM_ARRIVAL;
			before_arrival += in_order[i].type != TRACE_ITEM_ARRIVAL && arrivals == 0;
		}
		frames_mixed += arrivals && before_arrival;
		for (int pass = 0; pass < 2; pass++) {
			for (size_t i = from; i < to; i++) {
				if ((in_order[i].type == TRACE_ITEM_ARRIVAL) != (pass == 0))
					continue;
				do {
					if (trace_reader__next(r, &it) <= 0) {
						bad_order++;
						goto done;
					}
				} while (mixed_seq(&it) < 0);
				k++;
				bad_order += mixed_seq(&it) != in_order[i].seq || (int)it.type != in_order[i].type;
				moved += it.frame_offset != in_order[i].frame;
			}
		}
		from = to;
	}
	while (trace_reader__next(r, &it) > 0)
		bad_order += mixed_seq(&it) >= 0;
done:
	trace_reader__close(r);
	ASSERT_LE(100, frames_mixed, "frames where file order has rows before the arrivals");
	ASSERT_EQ(k, n, "every row");
	ASSERT_EQ(bad_order, 0, "arrivals first, then the rest, each in file order");
	ASSERT_EQ(moved, 0, "every row in its own frame");
out:
	free(in_order);
	unlink(path);
}

/*
 * A frame whose records cannot all be read: arrival batches after the first
 * record the reader refuses are not handed out ahead (reading in order
 * stops there), those before it are.
 */
TEST(format, arrivals_first_stops_at_a_bad_record)
{
	const char *path = tu__path("ahead-bad.mslat");
	struct trace_reader_opts ro = { .sz = sizeof(ro), .arrivals_first = true,
					.skip_corrupt = true };
	/* Starts like an arrival batch (field 8, length-delimited) and ends in its length. */
	static const uint8_t bad[] = { MSLAT__RECORD__KIND_ARRIVALS << 3 | 2, 0xff };
	Mslat__Header h = tu__header();
	struct trace_arrival a = { .time_ns = 5000, .pid = 1, .fd = 5, .bytes = 1 };
	struct trace_event e;
	struct trace_writer *w;
	struct trace_reader *r;
	struct trace_item it;
	int types[16], n = 0, ret;

	unlink(path);
	w = trace_writer__open(path, &h, NULL);
	if (!ASSERT_OK_PTR(w, "open"))
		return;
	tu__event(1, 0, &e);
	ASSERT_OK(trace_writer__append_event(w, &e), "event");
	ASSERT_OK(trace_writer__append_arrival(w, &a), "arrival before the bad record");
	ASSERT_OK(trace_writer__append_raw(w, bad, sizeof(bad)), "bad record");
	a.bytes = 2;
	ASSERT_OK(trace_writer__append_arrival(w, &a), "arrival after it");
	ASSERT_OK(trace_writer__flush(w), "one frame");
	a.bytes = 3;
	ASSERT_OK(trace_writer__append_arrival(w, &a), "next frame");
	ASSERT_OK(trace_writer__close(w, NULL), "close");

	tu__capture_log();
	r = trace_reader__open(path, &ro);
	if (!ASSERT_OK_PTR(r, "reader")) {
		tu__release_log();
		return;
	}
	while ((ret = trace_reader__next(r, &it)) > 0 && n < 16)
		if (it.type == TRACE_ITEM_EVENT || it.type == TRACE_ITEM_ARRIVAL)
			types[n++] = it.type == TRACE_ITEM_ARRIVAL ? (int)it.arrival.bytes : 0;
	trace_reader__close(r);
	tu__release_log();
	ASSERT_EQ(ret, 0, "read to the end");
	if (ASSERT_EQ(n, 3, "the frame's first arrival, its event, the next frame's arrival")) {
		ASSERT_EQ(types[0], 1, "the arrival before the bad record, ahead");
		ASSERT_EQ(types[1], 0, "then the event");
		ASSERT_EQ(types[2], 3, "the one after it is not read: the next frame's");
	}
	ASSERT_TRUE(strstr(tu__captured(), "not a valid protobuf record") != NULL, "the bad record named");
	unlink(path);
}

/* Batches without rows (a record's empty columns are valid protobuf): no item, no read past them. */
TEST(format, empty_batches)
{
	const char *path = tu__path("empty.mslat");
	static const uint8_t empty_arrivals[] = { MSLAT__RECORD__KIND_ARRIVALS << 3 | 2, 0 };
	static const uint8_t empty_sched[] = { MSLAT__RECORD__KIND_SCHED << 3 | 2, 0 };
	Mslat__Header h = tu__header();
	struct trace_event e;
	struct trace_writer *w;

	unlink(path);
	w = trace_writer__open(path, &h, NULL);
	if (!ASSERT_OK_PTR(w, "open"))
		return;
	ASSERT_OK(trace_writer__append_raw(w, empty_arrivals, sizeof(empty_arrivals)), "arrivals");
	ASSERT_OK(trace_writer__append_raw(w, empty_sched, sizeof(empty_sched)), "sched");
	tu__event(1, 0, &e);
	ASSERT_OK(trace_writer__append_event(w, &e), "event");
	ASSERT_OK(trace_writer__close(w, NULL), "close");
	for (int ahead = 0; ahead < 2; ahead++) {
		struct trace_reader_opts ro = { .sz = sizeof(ro), .arrivals_first = ahead };
		struct trace_reader *r = trace_reader__open(path, &ro);
		struct trace_item it;
		int rows = 0, ret;

		if (!ASSERT_OK_PTR(r, "reader"))
			return;
		while ((ret = trace_reader__next(r, &it)) > 0)
			rows += it.type == TRACE_ITEM_EVENT || it.type == TRACE_ITEM_ARRIVAL ||
				it.type == TRACE_ITEM_SCHED;
		trace_reader__close(r);
		ASSERT_EQ(ret, 0, "read to the end");
		ASSERT_EQ(rows, 1, "the event only");
	}
	unlink(path);
}

/*
 * Nothing is read after a footer, in order or ahead: an arrival behind one
 * in its frame stays unread. A footer is whatever protobuf-c takes for one:
 * also after an unknown field, or after another kind's field (the last of
 * the oneof wins).
 */
TEST(format, arrivals_first_stops_at_a_footer)
{
	static const struct { uint8_t b[4]; size_t len; } footers[] = {
		{ { MSLAT__RECORD__KIND_FOOTER << 3 | 2, 0 }, 2 },
		{ { 15 << 3, 0, MSLAT__RECORD__KIND_FOOTER << 3 | 2, 0 }, 4 },
		{ { MSLAT__RECORD__KIND_LOSS << 3 | 2, 0, MSLAT__RECORD__KIND_FOOTER << 3 | 2, 0 }, 4 },
	};
	const char *path = tu__path("ahead-footer.mslat");
	Mslat__Header h = tu__header();
	struct trace_arrival a = { .time_ns = 5000, .pid = 1, .fd = 5, .bytes = 1 };
	struct trace_event e;

	tu__event(1, 0, &e);
	for (size_t k = 0; k < sizeof(footers) / sizeof(footers[0]); k++) {
		struct trace_writer *w;

		unlink(path);
		w = trace_writer__open(path, &h, NULL);
		if (!ASSERT_OK_PTR(w, "open"))
			return;
		ASSERT_OK(trace_writer__append_event(w, &e), "event");
		ASSERT_OK(trace_writer__append_raw(w, footers[k].b, footers[k].len), "a footer mid-frame");
		ASSERT_OK(trace_writer__append_arrival(w, &a), "arrival after it");
		ASSERT_OK(trace_writer__close(w, NULL), "close");
		for (int ahead = 0; ahead < 2; ahead++) {
			struct trace_reader_opts ro = { .sz = sizeof(ro), .arrivals_first = ahead };
			struct trace_reader *r;
			struct trace_item it;
			int events = 0, arrivals = 0;

			tu__capture_log();
			r = trace_reader__open(path, &ro);
			while (r && trace_reader__next(r, &it) > 0) {
				events += it.type == TRACE_ITEM_EVENT;
				arrivals += it.type == TRACE_ITEM_ARRIVAL;
			}
			tu__release_log();
			if (!ASSERT_OK_PTR(r, "reader"))
				return;
			trace_reader__close(r);
			ASSERT_EQ(events, 1, ahead ? "the event, ahead" : "the event");
			ASSERT_EQ(arrivals, 0, ahead ? "no arrival after the footer, ahead" :
						     "no arrival after the footer");
		}
	}
	unlink(path);
}
