// SPDX-License-Identifier: MIT
/* `mslat info`: what a trace holds (header, time range, counts, losses, integrity). */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "json_out.h"
#include "log.h"
#include "trace_reader.h"
#include "units.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: mslat info [OPTIONS] FILE...\n\n"
		"Print what each trace holds: format version, recording host, kernel and\n"
		"architecture, targets and their command lines, start time, duration, events,\n"
		"losses, processes, frames, compressed bytes per event, and whether the file\n"
		"is complete or truncated. The whole file is read and its checksums verified.\n\n"
		"Options:\n"
		"  -f, --format FMT   text or json [default: text]\n"
		"  -v, --verbose      more messages\n"
		"  -q, --quiet        errors only\n"
		"  -h, --help         print this help and exit\n\n"
		"Examples:\n"
		"  mslat info run.mslat                  # is it complete? how many events, losses?\n"
		"  mslat info --format json run-*.mslat  # every piece of a rotated recording\n\n"
		"Exit status: 0 ok (a truncated trace included), 1 unreadable, 2 usage.\n");
}

struct info {
	struct trace_reader_stats st;
	/* the footer's totals: what the recorder wrote */
	uint64_t footer_events, footer_sched, footer_arrivals, footer_markers, footer_processes;
	uint64_t footer_lost, end_ns;
	int footer_reason;
	bool has_footer;
	int err;
	char mismatch[160];	/* the first count the footer and the rows read disagree on, or "" */
};

/* The footer's totals against the rows read: frames removed from the middle leave no other trace. */
static void compare_footer(struct info *in)
{
	const struct {
		const char *what;
		uint64_t wrote, read;
	} c[] = {
		{ "events", in->footer_events, in->st.events },
		{ "scheduler records", in->footer_sched, in->st.sched },
		{ "arrivals", in->footer_arrivals, in->st.arrivals },
		{ "markers", in->footer_markers, in->st.markers },
		{ "process records", in->footer_processes, in->st.processes },
	};

	in->mismatch[0] = 0;
	if (!in->has_footer || in->err < 0)
		return;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		if (c[i].wrote != c[i].read) {
			snprintf(in->mismatch, sizeof(in->mismatch), "the footer counts %llu %s, %llu were read",
				 (unsigned long long)c[i].wrote, c[i].what, (unsigned long long)c[i].read);
			return;
		}
	}
}

/* Read every item: the counts come from what is really there, not from the footer. */
static int scan(struct trace_reader *r, struct info *in)
{
	const struct trace_event *rows;
	struct trace_item it;
	size_t n;
	int ret;

	while ((ret = trace_reader__next_bulk(r, &it, &rows, &n)) > 0) {
		if (ret == 1 && it.type == TRACE_ITEM_FOOTER) {
			in->has_footer = true;
			in->footer_events = it.footer->events;
			in->footer_sched = it.footer->sched;
			in->footer_arrivals = it.footer->arrivals;
			in->footer_markers = it.footer->markers;
			in->footer_processes = it.footer->processes;
			in->footer_lost = it.footer->lost;
			in->end_ns = it.footer->end_ns;
			in->footer_reason = it.footer->reason;
		}
	}
	trace_reader__stats(r, &in->st);
	in->err = ret;
	compare_footer(in);
	return ret;
}

static const char *footer_reason(int reason)
{
	switch (reason) {
	case MSLAT__FOOTER__REASON__STOPPED: return "stopped";
	case MSLAT__FOOTER__REASON__DURATION: return "duration reached";
	case MSLAT__FOOTER__REASON__TARGETS_EXITED: return "targets exited";
	case MSLAT__FOOTER__REASON__ROTATED: return "rotated";
	case MSLAT__FOOTER__REASON__ERROR: return "recorder error";
	default: return "unknown";
	}
}

static uint64_t end_time(const Mslat__Header *h, const struct info *in)
{
	uint64_t end = in->end_ns > in->st.max_ns ? in->end_ns : in->st.max_ns;

	return end > h->start_ns ? end : h->start_ns;
}

static void print_text(const char *path, const Mslat__Header *h, const struct info *in)
{
	char b1[UNITS_BUF], t1[256], t2[256], t3[64];
	uint64_t dur = end_time(h, in) - h->start_ns;

	/* Every string from the file goes through units__printable: no escapes reach the terminal. */
	printf("%s\n", units__printable(t1, sizeof(t1), path));
	printf("  format         %u.%u (recorder %s)\n", h->version_major, h->version_minor,
	       h->recorder_version[0] ? units__printable(t1, sizeof(t1), h->recorder_version) : "?");
	printf("  host           %s, kernel %s, %s, %u CPUs, page %u\n",
	       h->hostname[0] ? units__printable(t1, sizeof(t1), h->hostname) : "?",
	       h->kernel_release[0] ? units__printable(t2, sizeof(t2), h->kernel_release) : "?",
	       h->arch[0] ? units__printable(t3, sizeof(t3), h->arch) : "?", h->cpu_count, h->page_size);
	if (h->boot_id[0])
		printf("  boot id        %s\n", units__printable(t1, sizeof(t1), h->boot_id));
	for (size_t i = 0; i < h->n_targets; i++) {
		const Mslat__Target *t = h->targets[i];

		printf("  target         pid %u:", t->pid);
		for (size_t j = 0; j < t->n_argv; j++)
			printf(" %s", units__printable(t1, sizeof(t1), t->argv[j]));
		printf("\n");
	}
	if (h->n_options) {
		printf("  recorded with ");
		for (size_t i = 0; i < h->n_options; i++)
			printf("%s%s", i ? " " : "", units__printable(t1, sizeof(t1), h->options[i]));
		printf("\n");
	}
	printf("  start          %s\n",
	       units__wallclock(b1, h->start_ns + (uint64_t)h->mono_to_realtime_ns));
	printf("  duration       %s\n", units__duration(b1, dur));
	printf("  events         %llu syscalls, %llu scheduler, %llu arrivals, %llu markers\n",
	       (unsigned long long)in->st.events, (unsigned long long)in->st.sched,
	       (unsigned long long)in->st.arrivals, (unsigned long long)in->st.markers);
	printf("  losses         %llu events in %llu loss records%s\n",
	       (unsigned long long)in->st.lost, (unsigned long long)in->st.losses,
	       in->st.lost ? "  (!)" : "");
	printf("  processes      %llu records\n", (unsigned long long)in->st.processes);
	printf("  frames         %llu, %s", (unsigned long long)in->st.frames,
	       units__bytes(b1, in->st.file_bytes));
	if (in->st.events)
		printf(", %.2f bytes/event", (double)in->st.file_bytes / (double)in->st.events);
	printf("\n");
	if (in->err < 0)
		printf("  state          unreadable from the frame at offset %llu\n",
		       (unsigned long long)in->st.error_at);
	else if (in->st.truncated && in->st.truncated_at)
		printf("  state          truncated at offset %llu\n",
		       (unsigned long long)in->st.truncated_at);
	else if (in->st.truncated)
		printf("  state          truncated (no footer)\n");
	else if (in->mismatch[0])
		printf("  state          incomplete: %s  (!)\n", in->mismatch);
	else
		printf("  state          complete (%s)\n", footer_reason(in->footer_reason));
	if (in->st.unknown_records)
		printf("  unknown        %llu records of a newer format, skipped\n",
		       (unsigned long long)in->st.unknown_records);
}

static json_t *targets_json(const Mslat__Header *h)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < h->n_targets; i++) {
		json_t *argv = json_array();

		for (size_t j = 0; j < h->targets[i]->n_argv; j++)
			json_array_append_new(argv, json_out__str(h->targets[i]->argv[j]));
		json_array_append_new(arr, json_pack("{s:I,s:o}", "pid", (json_int_t)h->targets[i]->pid,
						     "argv", argv));
	}
	return arr;
}

static json_t *info_json(const char *path, const Mslat__Header *h, const struct info *in)
{
	json_t *o = json_object(), *opts = json_array();
	char ver[32];

	snprintf(ver, sizeof(ver), "%u.%u", h->version_major, h->version_minor);
	for (size_t i = 0; i < h->n_options; i++)
		json_array_append_new(opts, json_out__str(h->options[i]));
	json_object_set_new(o, "file", json_out__str(path));
	json_object_set_new(o, "trace_format", json_string(ver));
	json_object_set_new(o, "recorder_version", json_out__str(h->recorder_version));
	json_object_set_new(o, "hostname", json_out__str(h->hostname));
	json_object_set_new(o, "kernel", json_out__str(h->kernel_release));
	json_object_set_new(o, "arch", json_out__str(h->arch));
	json_object_set_new(o, "boot_id", json_out__str(h->boot_id));
	json_object_set_new(o, "cpus", json_integer(h->cpu_count));
	json_object_set_new(o, "targets", targets_json(h));
	json_object_set_new(o, "options", opts);
	json_object_set_new(o, "start_ns", json_out__u64(h->start_ns));
	json_object_set_new(o, "start_realtime_ns",
			    json_out__u64((h->start_ns + (uint64_t)h->mono_to_realtime_ns)));
	json_object_set_new(o, "duration_ns", json_out__u64((end_time(h, in) - h->start_ns)));
	json_object_set_new(o, "events", json_out__u64(in->st.events));
	json_object_set_new(o, "sched", json_out__u64(in->st.sched));
	json_object_set_new(o, "arrivals", json_out__u64(in->st.arrivals));
	json_object_set_new(o, "markers", json_out__u64(in->st.markers));
	json_object_set_new(o, "lost", json_out__u64(in->st.lost));
	json_object_set_new(o, "loss_records", json_out__u64(in->st.losses));
	json_object_set_new(o, "processes", json_out__u64(in->st.processes));
	json_object_set_new(o, "frames", json_out__u64(in->st.frames));
	json_object_set_new(o, "file_bytes", json_out__u64(in->st.file_bytes));
	json_object_set_new(o, "bytes_per_event",
			    in->st.events ? json_real((double)in->st.file_bytes / (double)in->st.events)
					  : json_null());
	json_object_set_new(o, "complete",
			    json_boolean(!in->st.truncated && in->err >= 0 && !in->mismatch[0]));
	/* where reading stopped early, and what the footer's totals say is missing */
	json_object_set_new(o, "truncated_at", in->st.truncated_at ? json_out__u64(in->st.truncated_at)
								   : json_null());
	json_object_set_new(o, "unreadable_at", in->err < 0 ? json_out__u64(in->st.error_at)
							    : json_null());
	json_object_set_new(o, "footer_mismatch",
			    in->mismatch[0] ? json_string(in->mismatch) : json_null());
	json_object_set_new(o, "truncated", json_boolean(in->st.truncated));
	json_object_set_new(o, "readable", json_boolean(in->err >= 0));
	json_object_set_new(o, "unknown_records", json_out__u64(in->st.unknown_records));
	if (in->has_footer)
		json_object_set_new(o, "end_reason", json_string(footer_reason(in->footer_reason)));
	return o;
}

int cmd_info(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	bool json = false;
	json_t *traces;
	int c, rc = EXIT_OK;

	while ((c = getopt_long(argc, argv, "f:vqh", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (!strcmp(optarg, "json"))
				json = true;
			else if (strcmp(optarg, "text"))
				return cli__usage_error("--format: '%s' is not text or json", optarg);
			break;
		case 'v':
			cli__verbose();
			break;
		case 'q':
			cli__quiet();
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			return cli__bad_option(argv);
		}
	}
	if (optind == argc)
		return cli__usage_error("no trace file given");

	traces = json_array();
	for (int i = optind; i < argc; i++) {
		struct trace_reader *r = trace_reader__open(argv[i], NULL);
		struct info in = {};

		if (!r) {
			rc = EXIT_FAILURE_RT;
			continue;
		}
		scan(r, &in);
		if (in.err < 0)
			rc = EXIT_FAILURE_RT;
		if (json)
			json_array_append_new(traces, info_json(argv[i], trace_reader__header(r), &in));
		else
			print_text(argv[i], trace_reader__header(r), &in);
		trace_reader__close(r);
	}
	if (json) {
		json_t *root = json_object();

		json_object_set_new(root, "format_version", json_integer(JSON_FORMAT_VERSION));
		json_object_set_new(root, "command", json_string("info"));
		json_object_set_new(root, "traces", traces);
		json_out__dump(root, stdout);
		json_decref(root);
	} else {
		json_decref(traces);
	}
	return rc;
}
