/* SPDX-License-Identifier: MIT */
/* Renderers of a finished analysis that write files people open: HTML, CSV, gnuplot. */
#ifndef MSLAT_OUTPUTS_H
#define MSLAT_OUTPUTS_H

#include <stdio.h>

struct analysis;

/*
 * One self-contained HTML page (inline CSS and SVG; no script, no font, image
 * or style from the network) to F. Every string from the trace is escaped.
 * Returns 0 or a negative errno (-EIO on a failed write); the caller closes F.
 */
int out_html__write(const struct analysis *a, FILE *f);

/*
 * requests.csv, syscalls.csv, categories.csv, timeseries.csv and
 * processes.csv in DIR (created if missing), RFC 4180, a header row each,
 * units in the column names. Returns 0 or a negative errno after a logged
 * error naming the file.
 */
int out_csv__write(const struct analysis *a, const char *dir);

/*
 * .dat files and .gp scripts in DIR (created if missing); when gnuplot is on
 * PATH, runs each script to render PNG and SVG beside it, else logs a note.
 * Returns 0 or a negative errno after a logged error (gnuplot failing included).
 */
int out_gnuplot__write(const struct analysis *a, const char *dir);

#endif
