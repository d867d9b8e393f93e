/* SPDX-License-Identifier: MIT */
/* Renderers of a finished analysis that write files people open: HTML, CSV, gnuplot. */
#ifndef MSLAT_OUTPUTS_H
#define MSLAT_OUTPUTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "histogram.h"

struct analysis;

/*
 * One self-contained HTML page (inline CSS and SVG; no script, no font, image
 * or style from the network) to F. Every string from the trace is escaped.
 * Returns 0 or a negative errno (-EIO on a failed write); the caller closes F.
 */
int out_html__write(const struct analysis *a, FILE *f);

/*
 * CSV in DIR (created if missing), RFC 4180 with CRLF, a header row each,
 * units in the column names: requests.csv (every request, streamed while the
 * analysis runs), syscalls.csv, categories.csv, timeseries.csv, processes.csv.
 *
 *	struct out_csv *csv = out_csv__open(dir);	// before analysis__run()
 *	opts.on_request = out_csv__on_request;
 *	opts.ctx = csv;
 *	a = analysis__run(files, n, &opts);
 *	err = out_csv__close(csv, a);			// the summary tables
 *
 * out_csv__open returns NULL with errno set after a logged error.
 * out_csv__close writes the summary tables when A is not NULL, closes every
 * file and frees CSV; returns 0 or the first negative errno (logged, naming
 * the file). NULL CSV is a no-op.
 */
struct out_csv;
struct request;
struct out_csv *out_csv__open(const char *dir);
void out_csv__on_request(const struct request *req, void *csv);
int out_csv__close(struct out_csv *csv, const struct analysis *a);

/*
 * .dat files and .gp scripts in DIR (created if missing); when gnuplot is on
 * PATH, runs each script to render PNG and SVG beside it, else logs a note.
 * Returns 0 or a negative errno after a logged error (gnuplot failing included).
 */
int out_gnuplot__write(const struct analysis *a, const char *dir);

/* A traced target as its trace's header recorded it (the analysis keeps no command lines). */
struct output_target {
	uint32_t host;		/* index in analysis.trace.hosts */
	uint32_t pid;
	char **argv;
	size_t argc;
	size_t seq;		/* order of appearance: the first of duplicates is kept */
};

/*
 * The targets of every file of A, read again from the files' headers (only
 * their first frame), sorted by (host, pid), each once. Returns 0 with *OUT
 * (free with outputs__free_targets) or a negative errno; an unreadable file
 * contributes nothing.
 */
int outputs__targets(const struct analysis *a, struct output_target **out, size_t *n);
/* The target (HOST, PID) of outputs__targets' T, or NULL. */
const struct output_target *outputs__target_of(const struct output_target *t, size_t n,
					       uint32_t host, uint32_t pid);
void outputs__free_targets(struct output_target *t, size_t n);
/* ARGV joined with spaces, malloc'd ("" for none); NULL on ENOMEM. */
char *outputs__join(char *const *argv, size_t argc);

/*
 * Name of category CAT (enum req_category) or of the two pseudo-categories
 * after it: REQ_CAT__COUNT "user", REQ_CAT__COUNT + 1 "shared". The same
 * names as req_category__name().
 */
const char *outputs__cat_name(int cat);

/* Count of bucket B (0..HIST_BUCKETS-1) of H, from histogram.h's chunk layout. */
static inline uint64_t outputs__bucket_count(const struct histogram *h, unsigned int b)
{
	unsigned int c = b < 2 * HIST_SUB ? 0 : (b - 2 * HIST_SUB) / HIST_SUB + 1;
	unsigned int i = c ? (b - 2 * HIST_SUB) % HIST_SUB : b;

	return c < HIST_CHUNKS && h->chunk[c] ? h->chunk[c][i] : 0;
}

#endif
