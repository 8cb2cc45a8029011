#!/bin/sh
# stop_continue.sh PID [NAME]: stops every descendant of PID (only those
# whose command name begins with NAME, if given), waits a moment, continues
# them, and prints how many it stopped.  Job control, a debugger attaching
# or a cgroup freeze do the same to a server's processes.
root=$1 name=$2
descendants() {
	ps -e -o pid=,ppid=,comm= | awk -v root="$root" -v name="$name" '
		{ parent[$1] = $2; comm[$1] = $3 }
		END {
			n = 1; list[1] = root
			for (i = 1; i <= n; i++)
				for (p in parent) if (parent[p] == list[i]) list[++n] = p
			for (i = 2; i <= n; i++)
				if (name == "" || index(comm[list[i]], name) == 1) print list[i]
		}'
}
pids=$(descendants)
n=0
for p in $pids; do kill -STOP "$p" 2>/dev/null && n=$((n + 1)); done
sleep 0.3
for p in $pids; do kill -CONT "$p" 2>/dev/null; done
echo "$n"
