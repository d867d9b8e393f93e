// SPDX-License-Identifier: MIT
/* `mslat dump`: every record of a trace as a line, for grep and for debugging. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "json_out.h"
#include "log.h"
#include "trace_reader.h"
#include "units.h"

#define MAX_PIDS 256
#define MAX_NAMES 256

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: mslat dump [OPTIONS] FILE...\n\n"
		"Print every record of the traces, one line each, in file order: syscalls,\n"
		"process records (fork/exec/exit), losses, scheduler intervals, arrivals and\n"
		"markers. Times are seconds since the start of the recording.\n\n"
		"Options:\n"
		"  -f, --format FMT      text or jsonl (one JSON object a line) [default: text]\n"
		"  -p, --pid LIST        only these processes or threads (comma-separated, 256 at most)\n"
		"  -s, --syscall LIST    only these syscalls, by name (comma-separated);\n"
		"                        other record kinds are left out\n"
		"  -v, --verbose         more messages\n"
		"  -q, --quiet           errors only\n"
		"  -h, --help            print this help and exit\n\n"
		"Fields (text): TIME PID/TID SYSCALL(fd=FD KIND) = RETURN <DURATION>\n"
		"Fields (jsonl): type, and for events enter_ns, duration_ns, tid, pid, nr,\n"
		"syscall, fd, fd_kind, ret; see docs/json-schema.md.\n\n"
		"Examples:\n"
		"  mslat dump run.mslat | grep futex\n"
		"  mslat dump --format jsonl --pid 4242 --syscall read,write run.mslat\n\n"
		"Exit status: 0 ok, 1 unreadable trace, 2 usage.\n");
}

struct dump_opts {
	bool jsonl;
	uint32_t pids[MAX_PIDS];
	int n_pids;
	char *names[MAX_NAMES];
	int n_names;
};

struct dump_ctx {
	const struct dump_opts *o;
	struct trace_reader *r;
	uint64_t start_ns;
	uint32_t n_sys;
	char **sys_json;	/* each syscall name, JSON-quoted and escaped, cached */
	bool *sys_selected;
};

static bool pid_selected(const struct dump_opts *o, uint32_t pid, uint32_t tid)
{
	if (!o->n_pids)
		return true;
	for (int i = 0; i < o->n_pids; i++)
		if (o->pids[i] == pid || o->pids[i] == tid)
			return true;
	return false;
}

static int prepare(struct dump_ctx *d)
{
	const Mslat__Header *h = trace_reader__header(d->r);

	d->start_ns = h->start_ns;
	d->n_sys = (uint32_t)h->n_syscall_names;
	d->sys_json = calloc(d->n_sys + 1, sizeof(*d->sys_json));
	d->sys_selected = calloc(d->n_sys + 1, sizeof(*d->sys_selected));
	if (!d->sys_json || !d->sys_selected)
		return -ENOMEM;
	for (uint32_t i = 0; i < d->n_sys; i++) {
		json_t *s = json_out__str(h->syscall_names[i]);

		d->sys_json[i] = s ? json_dumps(s, JSON_ENCODE_ANY) : NULL;
		json_decref(s);
	}
	for (int j = 0; j < d->o->n_names; j++) {
		bool known = false;

		for (uint32_t i = 0; i < d->n_sys; i++) {
			if (!strcmp(d->o->names[j], h->syscall_names[i]))
				d->sys_selected[i] = known = true;
		}
		/* A name the trace's table lacks (a typo, or another arch's): said, or the dump is just empty. */
		if (!known) {
			char b[256];

			log_warn("--syscall: '%s' is no syscall of '%s' (%s)",
				 units__printable(b, sizeof(b), d->o->names[j]), trace_reader__name(d->r),
				 h->arch && *h->arch ? h->arch : "unknown arch");
		}
	}
	return 0;
}

static void release(struct dump_ctx *d)
{
	for (uint32_t i = 0; d->sys_json && i < d->n_sys; i++)
		free(d->sys_json[i]);
	free(d->sys_json);
	free(d->sys_selected);
}

/*
 * NS as seconds since the start, to the nanosecond, right-aligned in 14
 * columns: a double has 15-16 digits, and a host up for 104 days printed
 * +1..+7 ns as 0, 4, 4, 4, 8, 8, 8.
 */
static const char *rel_s(char buf[static 32], const struct dump_ctx *d, uint64_t ns)
{
	bool before = ns < d->start_ns;
	uint64_t off = before ? d->start_ns - ns : ns - d->start_ns;
	char num[32];

	snprintf(num, sizeof(num), "%s%" PRIu64 ".%09" PRIu64, before ? "-" : "", off / 1000000000,
		 off % 1000000000);
	snprintf(buf, 32, "%14s", num);
	return buf;
}

static void dump_event(struct dump_ctx *d, const struct trace_event *e)
{
	const char *name = trace_reader__syscall_name(d->r, e->syscall);
	char dur[UNITS_BUF], safe[64], ts[32];

	if (d->o->jsonl) {
		printf("{\"type\":\"event\",\"enter_ns\":%" PRIu64 ",\"duration_ns\":%" PRIu64
		       ",\"tid\":%" PRIu32 ",\"pid\":%" PRIu32 ",\"nr\":%" PRIu32 ",\"syscall\":",
		       e->enter_ns, e->duration_ns, e->tid, e->pid, e->syscall);
		if (e->syscall < d->n_sys && d->sys_json[e->syscall])
			fputs(d->sys_json[e->syscall], stdout);
		else
			fputs("null", stdout);
		printf(",\"fd\":%" PRId32 ",\"fd_kind\":\"%s\",\"ret\":%" PRId64 "}\n", e->fd,
		       fd_kind__name(e->fd_kind), e->ret);
		return;
	}
	printf("%s %u/%u ", rel_s(ts, d, e->enter_ns), e->pid, e->tid);
	if (name)
		printf("%s", units__printable(safe, sizeof(safe), name));
	else
		printf("syscall_%u", e->syscall);
	if (e->fd >= 0)
		printf("(fd=%d %s)", e->fd, fd_kind__name(e->fd_kind));
	else
		printf("()");
	printf(" = %" PRId64 " <%s>\n", e->ret, units__duration(dur, e->duration_ns));
}

static void dump_json_record(const char *type, const ProtobufCMessage *m, uint64_t t,
			     const struct dump_ctx *d)
{
	json_t *o = json_object();
	const ProtobufCMessageDescriptor *desc = m->descriptor;
	char *s, ts[32];

	json_object_set_new(o, "type", json_string(type));
	/* Generic over the message's scalar fields: new fields show up without code here. */
	for (unsigned int i = 0; i < desc->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &desc->fields[i];
		const char *base = (const char *)m + f->offset;
		json_t *v = NULL;

		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			if (f->type == PROTOBUF_C_TYPE_STRING) {
				size_t n = *(const size_t *)((const char *)m + f->quantifier_offset);
				char *const *arr = *(char *const *const *)base;

				v = json_array();
				for (size_t j = 0; j < n; j++)
					json_array_append_new(v, json_out__str(arr[j]));
			}
		} else if (f->type == PROTOBUF_C_TYPE_STRING) {
			v = json_out__str(*(const char *const *)base);
		} else if (f->type == PROTOBUF_C_TYPE_UINT64 || f->type == PROTOBUF_C_TYPE_FIXED64) {
			v = json_out__u64(*(const uint64_t *)base);
		} else if (f->type == PROTOBUF_C_TYPE_UINT32 || f->type == PROTOBUF_C_TYPE_FIXED32) {
			v = json_integer(*(const uint32_t *)base);
		} else if (f->type == PROTOBUF_C_TYPE_SINT32 || f->type == PROTOBUF_C_TYPE_INT32 ||
			   f->type == PROTOBUF_C_TYPE_ENUM) {
			v = json_integer(*(const int32_t *)base);
		} else if (f->type == PROTOBUF_C_TYPE_SINT64 || f->type == PROTOBUF_C_TYPE_INT64) {
			v = json_integer(*(const int64_t *)base);
		} else if (f->type == PROTOBUF_C_TYPE_BOOL) {
			v = json_boolean(*(const protobuf_c_boolean *)base);
		}
		if (v)
			json_object_set_new(o, f->name, v);
	}
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (s)
		json_out__escape_bidi(&s);
	if (d->o->jsonl)
		printf("%s\n", s ? s : "{}");
	else
		printf("%s %s %s\n", rel_s(ts, d, t), type, s ? s : "?");
	free(s);
}

static void dump_row(const struct dump_ctx *d, const char *type, uint64_t t, uint32_t pid,
		     uint32_t tid, const char *fields)
{
	char ts[32];

	if (d->o->jsonl)
		printf("{\"type\":\"%s\",\"time_ns\":%" PRIu64 ",\"pid\":%" PRIu32 ",\"tid\":%" PRIu32 ",%s}\n",
		       type, t, pid, tid, fields);
	else
		printf("%s %u/%u %s %s\n", rel_s(ts, d, t), pid, tid, type, fields);
}

/* Names by value (trace_event.h); a value from a newer or hostile file by its number. */
static const char *const sched_kinds[] = { "off_cpu", "runq" };
static const char *const arrival_kinds[] = { "data", "connect", "queued", "unsent" };

static const char *kind_name(char buf[static 24], const char *const *names, uint32_t n, uint32_t v)
{
	if (v < n)
		return names[v];
	snprintf(buf, 24, "unknown(%" PRIu32 ")", v);
	return buf;
}

static void dump_item(struct dump_ctx *d, const struct trace_item *it)
{
	char kind[24];

	char f[160];

	switch (it->type) {
	case TRACE_ITEM_EVENT:
		if (!pid_selected(d->o, it->event.pid, it->event.tid))
			return;
		if (d->o->n_names && !(it->event.syscall < d->n_sys && d->sys_selected[it->event.syscall]))
			return;
		dump_event(d, &it->event);
		return;
	default:
		break;
	}
	if (d->o->n_names)
		return;
	switch (it->type) {
	case TRACE_ITEM_SCHED:
		if (!pid_selected(d->o, it->sched.pid, it->sched.tid))
			return;
		snprintf(f, sizeof(f), "\"what\":\"%s\",\"duration_ns\":%" PRIu64 ",\"cpu\":%" PRIu32,
			 kind_name(kind, sched_kinds, 2, it->sched.what), it->sched.duration_ns,
			 it->sched.cpu);
		dump_row(d, "sched", it->sched.start_ns, it->sched.pid, it->sched.tid, f);
		return;
	case TRACE_ITEM_ARRIVAL:
		if (!pid_selected(d->o, it->arrival.pid, 0))
			return;
		snprintf(f, sizeof(f), "\"what\":\"%s\",\"fd\":%" PRId32 ",\"bytes\":%" PRIu32,
			 kind_name(kind, arrival_kinds, 4, it->arrival.what), it->arrival.fd,
			 it->arrival.bytes);
		dump_row(d, "arrival", it->arrival.time_ns, it->arrival.pid, 0, f);
		return;
	case TRACE_ITEM_PROCESS:
		if (pid_selected(d->o, it->process->pid, it->process->tid))
			dump_json_record("process", &it->process->base, it->process->time_ns, d);
		return;
	case TRACE_ITEM_LOSS:
		dump_json_record("loss", &it->loss->base, it->loss->start_ns, d);
		return;
	case TRACE_ITEM_MARKER:
		if (pid_selected(d->o, it->marker->pid, it->marker->tid))
			dump_json_record("marker", &it->marker->base, it->marker->time_ns, d);
		return;
	case TRACE_ITEM_FOOTER:
		if (!d->o->n_pids)
			dump_json_record("footer", &it->footer->base, it->footer->end_ns, d);
		return;
	case TRACE_ITEM_UNKNOWN:
		if (d->o->jsonl)
			printf("{\"type\":\"unknown\"}\n");
		return;
	default:
		return;
	}
}

static int dump_file(const char *path, const struct dump_opts *o)
{
	struct dump_ctx d = { .o = o };
	struct trace_item it;
	int ret;

	d.r = trace_reader__open(path, NULL);
	if (!d.r)
		return -errno;
	ret = prepare(&d);
	if (ret == 0) {
		while ((ret = trace_reader__next(d.r, &it)) > 0) {
			if (it.type != TRACE_ITEM_HEADER)
				dump_item(&d, &it);
			else if (!o->n_pids && !o->n_names)
				dump_json_record("header", &it.header->base, it.header->start_ns, &d);
		}
	}
	release(&d);
	trace_reader__close(d.r);
	return ret;
}

static int parse_names(struct dump_opts *o, char *arg)
{
	for (char *save, *tok = strtok_r(arg, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (o->n_names == MAX_NAMES)
			return -EINVAL;
		o->names[o->n_names++] = tok;
	}
	return o->n_names ? 0 : -EINVAL;
}

int cmd_dump(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "pid", required_argument, NULL, 'p' },
		{ "syscall", required_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct dump_opts o = {};
	int c, n, rc = EXIT_OK;

	while ((c = getopt_long(argc, argv, "f:p:s:vqh", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (!strcmp(optarg, "jsonl") || !strcmp(optarg, "json"))
				o.jsonl = true;
			else if (strcmp(optarg, "text"))
				return cli__usage_error("--format: '%s' is not text or jsonl", optarg);
			break;
		case 'p':
			n = cli__parse_u32_list(optarg, o.pids + o.n_pids, MAX_PIDS - o.n_pids);
			if (n == -E2BIG)
				return cli__usage_error("--pid: more than %d pids and tids", MAX_PIDS);
			if (n < 0)
				return cli__usage_error("--pid: '%s' is not a list of numbers", optarg);
			o.n_pids += n;
			break;
		case 's':
			if (parse_names(&o, optarg))
				return cli__usage_error("--syscall: '%s' is not a list of names", optarg);
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
	for (int i = optind; i < argc; i++)
		if (dump_file(argv[i], &o) < 0)
			rc = EXIT_FAILURE_RT;
	return rc;
}
