#!/bin/sh
# ftpsd_ftplib.sh: starts ftpsd under several configurations and runs the
# Python ftplib client test against them (ftpsd_ftplib.py prints TAP).
. "$(dirname "$0")/ftpsd_lib.sh"
need python3 || { echo "1..0 # SKIP python3 missing"; exit 0; }
P_MAIN=$(free_port); start_server "$P_MAIN" FTPSD_MODE_Z=yes
P_OFF=$(free_port); start_server "$P_OFF" FTPSD_TLS_REQUIRED=off FTPSD_ALLOW_CCC=yes FTPSD_ANONYMOUS=yes \
	FTPSD_ANON_ROOT="$T/anon" FTPSD_MAX_UPLOAD_BYTES=100000
P_AUTH=$(free_port); start_server "$P_AUTH" FTPSD_TLS_REQUIRED=auth FTPSD_UMASK=077
P_DATA=$(free_port); start_server "$P_DATA" FTPSD_TLS_REQUIRED=data
P_NODATA=$(free_port); start_server "$P_NODATA" FTPSD_TLS_REQUIRED='ctrl+!data'
P_NOACTIVE=$(free_port); start_server "$P_NOACTIVE" FTPSD_ALLOW_ACTIVE=no FTPSD_READ_ONLY=yes
P_LOGIN=$(free_port); start_server "$P_LOGIN" FTPSD_MAX_LOGIN_ATTEMPTS=2 FTPSD_LOGIN_TIMEOUT=2 FTPSD_IDLE_TIMEOUT=2 FTPSD_STALL_TIMEOUT=2
SERVER_LOG=$T/server.log
export SERVER_LOG P_MAIN P_OFF P_AUTH P_DATA P_NODATA P_NOACTIVE P_LOGIN HOME_DIR USER_NAME USER_PASS PASV
python3 "$(dirname "$0")/ftpsd_ftplib.py"
