// SPDX-License-Identifier: MIT
/* Prints every item of a trace as one tab-separated line, for the recorder's shell tests. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "trace_reader.h"

/*
 * Lines (first field is the kind):
 *   H  arch  sequence  n_targets  follow_forks  sched  arrivals  start_ns
 *   E  pid  tid  syscall  fd  fd_kind  ret  enter_ns  duration_ns
 *   P  what  pid  ppid  comm  exit_code  tid  exe
 *   L  what  cpu  count  start_ns  end_ns
 *   A  what  pid  fd  bytes  time_ns
 *   S  what  pid  tid  cpu  start_ns  duration_ns
 *   F  reason  events  lost
 *   T  events=N lost=N loss_records=N processes=N arrivals=N sched=N footer=0|1 truncated=0|1
 * Exit: 0, or 1 when the file cannot be read (a truncated file is not an error).
 */
int main(int argc, char **argv)
{
	static const char *const proc_what[] = { "snapshot", "fork", "exec", "exit" };
	static const char *const loss_what[] = { "events", "sched", "arrivals", "process" };
	struct trace_reader_stats st;
	struct trace_reader *r;
	struct trace_item it;
	int n;

	log__use_stderr("tracecheck");
	if (argc != 2) {
		fprintf(stderr, "Usage: tracecheck FILE\n");
		return 2;
	}
	r = trace_reader__open(argv[1], NULL);
	if (!r)
		return 1;
	while ((n = trace_reader__next(r, &it)) > 0) {
		switch (it.type) {
		case TRACE_ITEM_HEADER:
			printf("H\t%s\t%" PRIu64 "\t%zu\t%d\t%d\t%d\t%" PRIu64 "\n", it.header->arch,
			       it.header->sequence, it.header->n_targets, it.header->follow_forks,
			       it.header->sched, it.header->arrivals, it.header->start_ns);
			break;
		case TRACE_ITEM_EVENT: {
			const char *name = trace_reader__syscall_name(r, it.event.syscall);

			printf("E\t%u\t%u\t%s\t%d\t%s\t%" PRId64 "\t%" PRIu64 "\t%" PRIu64 "\n",
			       it.event.pid, it.event.tid, name ? name : "?", it.event.fd,
			       fd_kind__name(it.event.fd_kind), it.event.ret, it.event.enter_ns,
			       it.event.duration_ns);
			break;
		}
		case TRACE_ITEM_PROCESS:
			printf("P\t%s\t%u\t%u\t%s\t%d\t%u\t%s\n",
			       (unsigned)it.process->what < 4 ? proc_what[it.process->what] : "?",
			       it.process->pid, it.process->ppid, it.process->comm, it.process->exit_code,
			       it.process->tid, it.process->exe);
			break;
		case TRACE_ITEM_LOSS:
			printf("L\t%s\t%u\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\n",
			       (unsigned)it.loss->what < 4 ? loss_what[it.loss->what] : "?", it.loss->cpu,
			       it.loss->count, it.loss->start_ns, it.loss->end_ns);
			break;
		case TRACE_ITEM_ARRIVAL:
			printf("A\t%s\t%u\t%d\t%u\t%" PRIu64 "\n", it.arrival.what == TRACE_ARRIVAL_CONNECT ? "connect" :
			       it.arrival.what == TRACE_ARRIVAL_QUEUED ? "queued" :
			       it.arrival.what == TRACE_ARRIVAL_UNSENT ? "unsent" : "data",
			       it.arrival.pid, it.arrival.fd, it.arrival.bytes, it.arrival.time_ns);
			break;
		case TRACE_ITEM_SCHED:
			printf("S\t%s\t%u\t%u\t%u\t%" PRIu64 "\t%" PRIu64 "\n",
			       it.sched.what ? "runq" : "offcpu", it.sched.pid, it.sched.tid, it.sched.cpu,
			       it.sched.start_ns, it.sched.duration_ns);
			break;
		case TRACE_ITEM_FOOTER:
			printf("F\t%d\t%" PRIu64 "\t%" PRIu64 "\n", (int)it.footer->reason,
			       it.footer->events, it.footer->lost);
			break;
		default:
			break;
		}
	}
	trace_reader__stats(r, &st);
	printf("T\tevents=%" PRIu64 " lost=%" PRIu64 " loss_records=%" PRIu64 " processes=%" PRIu64
	       " arrivals=%" PRIu64 " sched=%" PRIu64 " footer=%d truncated=%d\n",
	       st.events, st.lost, st.losses, st.processes, st.arrivals, st.sched, st.footer,
	       st.truncated);
	trace_reader__close(r);
	if (fflush(stdout) || ferror(stdout))
		return 1;
	return n < 0 ? 1 : 0;
}
