# bench_lib.sh: what bench.sh and bench_ftps.sh both use; sourced, after
# they have set B (the work directory, with cputime and procfloor built in
# it) and NSESS.

# median VALUES...: their median (the mean of the two middle ones, to 3
# decimals, for an even count); nothing for none.
median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else if (NR) printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# floor_medians FORKS: procfloor (exec + FORKS forks of a program that does
# nothing else) run NSESS times under cputime, as a server is; prints the
# median CPU in ms and the median number of page faults.
floor_medians() {
	rm -f "$B/floor.times"
	for _i in $(seq 1 "$NSESS"); do
		"$B/cputime" "$B/floor.times" "$B/procfloor" "$1" || return 1
	done
	# shellcheck disable=SC2046 # one value per run
	echo "$(median $(awk '{ printf "%.2f\n", ($1 + $2) * 1000 }' "$B/floor.times"))" \
		"$(median $(awk '{ print $5 }' "$B/floor.times"))"
}
