# bash completion for switchctl(8). Installed as
# share/bash-completion/completions/switchctl, where bash-completion loads it on
# first use; it needs nothing from bash-completion itself, so `source` works too.

# Port names of the running switchd, asked with the -s the line already has.
# Silent, and quick, when no switchd answers: completion must never hang.
_switchctl_ports()
{
	_switchctl_names port "$@"
}

# Mirror names, the same way.
_switchctl_mirrors()
{
	_switchctl_names mirror "$@"
}

# The "name"s of OBJECT show -j (port, mirror).
_switchctl_names()
{
	local obj=$1 ctl=$2
	shift 2
	local out
	command -v -- "$ctl" >/dev/null 2>&1 || return 0
	if command -v timeout >/dev/null 2>&1; then
		out=$(timeout 2 "$ctl" "$@" -j "$obj" show 2>/dev/null) || return 0
	else
		out=$("$ctl" "$@" -j "$obj" show 2>/dev/null) || return 0
	fi
	# -j port show is [{"name":"veth1",...},...]; no jq needed for the names.
	# Names with a quote or backslash (escaped in JSON) are left out.
	printf '%s\n' "$out" | grep -o '"name":"[^"\\]*"' | sed 's/^"name":"//; s/"$//'
}

# Interfaces that may become ports: every one but loopback, which switchd refuses.
_switchctl_ifaces()
{
	local d
	for d in /sys/class/net/*; do
		[ -e "$d" ] || continue
		d=${d##*/}
		[ "$d" = lo ] || printf '%s\n' "$d"
	done
}

# Named network namespaces, as ip netns keeps them.
_switchctl_netns()
{
	local d
	for d in /run/netns/*; do
		[ -e "$d" ] || continue
		printf '%s\n' "${d##*/}"
	done
}

# After "port add NAME": keyword-value pairs, each keyword once; ifname only
# with netns, and no type tap with it. The arguments are the words so far.
_switchctl_port_add()
{
	local -a w=("$@")
	local -A got=()
	local i n=${#w[@]}
	for ((i = 0; i + 1 < n; i += 2)); do
		[ -n "${w[i]}" ] && got[${w[i]}]=${w[i + 1]}
	done
	if [ $((n % 2)) -eq 1 ]; then # the last word is a keyword: its value
		case ${w[n - 1]} in
		type) if [ -n "${got[netns]+x}" ]; then echo afpacket; else printf '%s\n' tap afpacket stream dgram vxlan; fi ;;
		dev) _switchctl_ifaces ;;
		netns) _switchctl_netns ;;
		path | peer) compgen -f -- "${cur:-/}" ;;
		owner) compgen -u -- "$cur" ;;
		mode) printf '%s\n' 0660 0600 0666 ;;
		esac
		return 0
	fi
	[ -n "${got[type]+x}" ] || echo type
	[ -n "${got[netns]+x}" ] || [ "${got[type]:-}" = tap ] || [ "${got[type]:-}" = stream ] ||
		[ "${got[type]:-}" = dgram ] || [ "${got[type]:-}" = vxlan ] || echo netns
	if [ "${got[type]:-}" = vxlan ]; then
		for k in vni remote local dstport dev group; do
			[ -n "${got[$k]+x}" ] || echo "$k"
		done
	fi
	local sock=
	[ "${got[type]:-}" = stream ] || [ "${got[type]:-}" = dgram ] && sock=1
	[ -z "$sock" ] || [ -n "${got[path]+x}" ] || echo path
	[ -z "$sock" ] || [ -n "${got[owner]+x}" ] || echo owner
	[ -z "$sock" ] || [ -n "${got[mode]+x}" ] || echo mode
	[ "${got[type]:-}" != dgram ] || [ -n "${got[peer]+x}" ] || echo peer
	[ -z "${got[netns]+x}" ] || [ -n "${got[ifname]+x}" ] || echo ifname
	[ -z "${got[netns]+x}" ] || [ -n "${got[mtu]+x}" ] || echo mtu
}

_switchctl()
{
	local cur=${COMP_WORDS[COMP_CWORD]}
	local prev=
	[ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD - 1]}
	local ctl=${COMP_WORDS[0]} sock=() args=() w i
	# compgen -W splits its list on IFS: one word a line.
	local IFS=$'\n'

	# The word after -s/--socket (also when bash split "--socket=" at the '='); after capture,
	# -s is the snap length.
	if [[ " ${COMP_WORDS[*]:1:COMP_CWORD-1} " != *" capture "* ]] && [[ $prev =~ ^-[jhV]*s$ || $prev == --socket ]] ||
		{ [ "$prev" = = ] && [ "$COMP_CWORD" -gt 1 ] &&
			[ "${COMP_WORDS[COMP_CWORD - 2]}" = --socket ]; }; then
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return 0
	fi

	# What stands before the cursor: options aside (getopt lets them stand
	# anywhere, and short ones cluster: -js PATH, -sPATH), the socket kept for
	# asking switchd, the command words in args.
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [ "${args[0]:-}" = capture ]; then
			[[ $w == -* ]] || args+=("$w")
		elif [[ $w =~ ^-[jhV]*s$ || $w == --socket ]]; then
			if [ "$w" = --socket ] && [ "${COMP_WORDS[i + 1]:-}" = = ]; then
				i=$((i + 1)) # bash split --socket=PATH into three words
			fi
			if [ $((i + 1)) -lt "$COMP_CWORD" ]; then
				i=$((i + 1))
				sock=(-s "${COMP_WORDS[i]}")
			fi
		elif [[ $w == --socket=?* ]]; then
			sock=(-s "${w#--socket=}")
		elif [[ $w =~ ^-[jhV]*s(.+)$ ]]; then
			sock=(-s "${BASH_REMATCH[1]}")
		elif [[ $w != -* ]]; then
			args+=("$w")
		fi
	done
	# The shell has not expanded ~ in words being completed.
	# shellcheck disable=SC2088 # a literal "~/" is what is looked for
	if [ ${#sock[@]} -eq 2 ] && [ "${sock[1]:0:2}" = "~/" ]; then
		sock[1]=$HOME/${sock[1]:2}
	fi

	# capture takes tcpdump's options; the words after them are a filter expression.
	if [ "${args[0]:-}" = capture ]; then
		case $prev in
		-i) words=$(_switchctl_ports "$ctl" "${sock[@]}")$'\nall' ;;
		-Q) words=$'in\nout\ninout' ;;
		-w)
			compopt -o filenames 2>/dev/null
			mapfile -t COMPREPLY < <(compgen -f -- "$cur")
			return 0
			;;
		-c | -s) return 0 ;;
		*) [[ $cur == -* ]] && words=$'-i\n-Q\n-c\n-s\n-w\n-j' ;;
		esac
		mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
		return 0
	fi
	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W $'-j\n--json\n-s\n--socket\n-h\n--help\n-V\n--version' -- "$cur")
		return 0
	fi

	local words=
	case ${#args[@]}:${args[0]:-} in
	0:) words=$'port\nmac\nfdb\ncapture\nmirror\ntrace\nstatus\nset\nmonitor\nhelp' ;;
	1:trace) words=in ;;
	[2-9]:trace | 1[0-9]:trace)
		# trace in PORT [src MAC] dst MAC [vlan VID] [type ETHERTYPE]: the keywords not given yet
		if [ "$prev" = in ] && [ "${#args[@]}" -eq 2 ]; then
			words=$(_switchctl_ports "$ctl" "${sock[@]}")
		elif [ "$prev" = type ]; then
			words=$'ipv4\narp\nipv6'
		elif [ $((${#args[@]} % 2)) -eq 1 ]; then
			local k a seen
			for k in src dst vlan type; do
				seen=
				for a in "${args[@]:3}"; do [ "$a" = "$k" ] && seen=1; done
				[ -n "$seen" ] || words+=$k$'\n'
			done
		fi
		;;
	1:mirror) words=$'add\ndel\nshow' ;;
	2:mirror)
		case ${args[1]} in
		del | delete | show | list) words=$(_switchctl_mirrors "$ctl" "${sock[@]}") ;;
		esac
		;;
	[3-9]:mirror)
		# mirror add NAME from PORT[,PORT...] [in|out|both] to PORT
		if [ "${args[1]}" = add ]; then
			case ${#args[@]}:$prev in
			3:*) words=from ;;
			4:from | *:to) words=$(_switchctl_ports "$ctl" "${sock[@]}") ;;
			5:*) words=$'in\nout\nboth\nto' ;;
			6:in | 6:out | 6:both) words=to ;;
			esac
		fi
		;;
	1:port) words=$'add\ndel\nset\nshow\nclear' ;;
	1:mac | 1:fdb) words=$'show\nflush\nadd\ndel' ;;
	1:set) words=$'ageing\nmax-macs\nflap-moves\nflap-hold\nstorm-broadcast\nstorm-multicast\nstorm-unknown\nspin-us' ;;
	2:port)
		case ${args[1]} in
		add) words=$(_switchctl_ifaces) ;;
		del | delete | show | list | set | clear) words=$(_switchctl_ports "$ctl" "${sock[@]}") ;;
		esac
		;;
	3:port)
		[ "${args[1]}" = set ] &&
			words=$'learning\nflood\nisolated\nmax-macs\nstorm-broadcast\nstorm-multicast\nstorm-unknown\nvlan\nremote'
		;&
	[3-9]:port | [1-9][0-9]:port)
		if [ "${args[1]}" = set ] && [ "${#args[@]}" -eq 4 ]; then
			case ${args[3]} in
			learning | flood | isolated) words=$'on\noff' ;;
			vlan) words=$'access\ntrunk\ntunnel' ;;
			remote) words=$'add\ndel' ;;
			esac
		elif [ "${args[1]}" = set ] && [ "${#args[@]}" -eq 6 ] && [ "${args[3]} ${args[4]}" = "vlan trunk" ]; then
			words=native
		elif [ "${args[1]}" = add ] && [ "${#args[@]}" -ge 3 ]; then
			# A namespace given by path: complete it as a file name.
			if [ "${#args[@]}" -ge 4 ] && [ "$prev" = netns ] && [[ $cur == /* ]]; then
				compopt -o filenames 2>/dev/null
				mapfile -t COMPREPLY < <(compgen -f -- "$cur")
				return 0
			fi
			words=$(_switchctl_port_add "${args[@]:3}")
		fi
		;;
	2:mac | 2:fdb)
		case ${args[1]} in
		show | list | flush) words=$'port\nvlan' ;;
		esac
		;;
	[3-9]:mac | [3-9]:fdb)
		if [ "$prev" = port ]; then
			words=$(_switchctl_ports "$ctl" "${sock[@]}")
		elif [ "${args[1]}" = add ] && [ "${#args[@]}" -eq 3 ]; then
			words=port
		elif [ "${args[1]}" != del ] && [ "${args[1]}" != delete ] && [ "$prev" != vlan ]; then
			words=$'port\nvlan'
		elif [ "$prev" != vlan ]; then
			words=vlan
		fi
		;;
	esac
	# One candidate a line: interface names may hold characters a shell would split or glob.
	mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
	return 0
}

complete -F _switchctl switchctl
