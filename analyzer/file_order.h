/* SPDX-License-Identifier: MIT */
/* The order several traces are read in, by mslat report and mslat export alike. */
#ifndef MSLAT_FILE_ORDER_H
#define MSLAT_FILE_ORDER_H

#include <stdbool.h>
#include <stdint.h>

#pragma GCC poison u8 u16 u32 u64

/* Trace IDX (its place on the command line), of host HOST, piece SEQ, started at START_NS. */
struct file_order {
	int idx, host;
	uint64_t seq, start_ns;
};

/*
 * Two traces of boot ids A and B are of one host (pieces of one recording,
 * or recordings of one boot: one clock, one pid and fd space). A trace
 * without a boot id is a host of its own.
 */
bool file_order__same_host(const char *a, const char *b);

/*
 * Sort the N traces into reading order: by host, then piece (the pieces of
 * one host in recording order, whatever order the shell's glob gave), then
 * start, then command-line order.
 */
void file_order__sort(struct file_order *order, int n);

#endif
