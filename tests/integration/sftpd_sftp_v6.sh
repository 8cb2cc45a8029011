#!/bin/bash
# sftpd_sftp_v6.sh: Ruby's net-sftp (Debian ruby-net-sftp) pinned to SFTP
# protocol versions 3 to 6 against sftpd: put/get (bytes compared), stat
# (size, mtime, permissions against the file on disk), readdir, rename,
# mkdir/rmdir, remove; the version the session speaks is checked too.
# From v5: RENAME without flags refuses an existing target, with OVERWRITE
# replaces it, OPEN with APPEND_DATA appends.  v6: LINK symbolic and hard
# (checked on disk), BLOCK refused with OP_UNSUPPORTED, the link count.
# A read-only account (users file policy "ro") under v5 and v6 OPEN: every
# write refused, downloads work, the disk unchanged.  SFTPD_CLIENT_MATCH
# sftp=4 for net-ssh's version line: a client asking for 6 gets 4.
# Prints TAP.

. "$(dirname "$0")/lib.sh"

SFTPD=${SFTPD_BIN:-$T_TOP/sftpd/sftpd}
[ -x "$SFTPD" ] || t_skip_all "sftpd/sftpd is not built"
t_have ssh-keygen || t_skip_all "ssh-keygen is not installed (Debian: openssh-client)"
t_have ruby && ruby -e 'require "net/sftp"; require "ed25519"' 2>/dev/null ||
	t_skip_all "ruby-net-sftp is not installed"

t_tmpdir
T=$T_TMP
mkdir -p "$T/keys" "$T/root"
LOG=$T/sftpd.log
if [ "$(id -u)" = 0 ]; then ACC_UID=65534 ACC_GID=65534; else ACC_UID=$(id -u) ACC_GID=$(id -g); fi
t_hostkey ed25519 "$T/keys/hk" || t_bail "cannot make a host key"
mkdir -p "$T/roroot/sub"
printf 'keep these bytes\n' >"$T/roroot/keep"
t_useradd "$T/keys/users" tester 'pw-NetSftp-1!' "$ACC_UID" "$ACC_GID" "$T/root" ||
	t_bail "cannot write the users file"
t_useradd "$T/keys/users" reader 'pw-NetSftp-2!' "$ACC_UID" "$ACC_GID" "$T/roroot" ||
	t_bail "cannot write the users file"
sed -i "s|^\(reader:.*\)\$|\1:ro|" "$T/keys/users"
[ "$(id -u)" = 0 ] && chown -R "$ACC_UID:$ACC_GID" "$T/root" "$T/roroot"
ro_tree() { (cd "$T/roroot" && find . -printf '%p %s %m\n' | sort && cat keep); }
RO_BEFORE=$(ro_tree)
t_privsep_env "$SFTPD"
{
	echo '#!/bin/sh'
	printf 'exec env -i PATH=/usr/bin:/bin %s SFTPD_HOST_KEYS=%q SFTPD_USERS_FILE=%q ' \
		"$T_PRIVSEP_ENV" "$T/keys/hk" "$T/keys/users"
	printf 'SFTPD_LOG_LEVEL=debug "$@" %q 2>>%q\n' "$SFTPD" "$LOG"
} >"$T/srv"
chmod 755 "$T/srv"

cat >"$T/probe.rb" <<'RB'
require "net/sftp"
require "net/ssh/proxy/command"

srv, root, tmp = ARGV
def check(name, cond, why = "")
  puts((cond ? "ok " : "not ok ") + name + (cond ? "" : ": " + why.to_s))
  STDOUT.flush
end

def status_code
  yield
  nil
rescue Net::SFTP::StatusException => e
  e.code
end

def session(srv, user, pw, version, extra = "")
  Net::SFTP.start("127.0.0.1", user,
                  { password: pw, auth_methods: ["password"],
                    proxy: Net::SSH::Proxy::Command.new(srv + extra),
                    verify_host_key: :never, non_interactive: true },
                  { version: version }) { |sftp| yield sftp }
end

# a file made here as the account would have made it
def put(path, data)
  File.binwrite(path, data)
  File.chown(ARGV[4].to_i, ARGV[5].to_i, path)
end

# v5 and later: RENAME flags and OPEN with APPEND_DATA
def v5_checks(sftp, v, root, n)
  put(File.join(root, "a#{n}"), "first")
  put(File.join(root, "b#{n}"), "second")
  code = status_code { sftp.rename!("a#{n}", "b#{n}") }
  check("#{v}: rename onto an existing file without flags: FILE_ALREADY_EXISTS, both kept",
        code == 11 && File.binread(File.join(root, "b#{n}")) == "second" &&
        File.exist?(File.join(root, "a#{n}")), code)
  sftp.rename!("a#{n}", "b#{n}", 1)
  check("#{v}: rename with OVERWRITE replaces the target",
        !File.exist?(File.join(root, "a#{n}")) && File.binread(File.join(root, "b#{n}")) == "first")
  sftp.file.open("b#{n}", "a") { |f| f.write("+more") }
  check("#{v}: open for append (APPEND_DATA) appends",
        File.binread(File.join(root, "b#{n}")) == "first+more", File.binread(File.join(root, "b#{n}")))
end

# v6: LINK, BLOCK, the link count
def v6_checks(sftp, v, root)
  put(File.join(root, "target6"), "t6")
  sftp.link!("sym6", "target6", true)
  check("#{v}: LINK symbolic: sym6 -> target6 on disk",
        File.symlink?(File.join(root, "sym6")) && File.readlink(File.join(root, "sym6")) == "target6")
  sftp.link!("hard6", "target6", false)
  check("#{v}: LINK hard: the same inode",
        File.stat(File.join(root, "hard6")).ino == File.stat(File.join(root, "target6")).ino)
  a = sftp.stat!("target6")
  check("#{v}: stat link count is 2", a.link_count == 2, a.link_count.inspect)
  h = sftp.open!("target6", "r")
  code = status_code { sftp.block!(h, 0, 2, 0x40) }
  sftp.close!(h)
  check("#{v}: BLOCK: OP_UNSUPPORTED", code == 8, code)
end

[[3, 3], [4, 4], [5, 5], [6, 6]].each do |asked, want|
  begin
    session(srv, "tester", "pw-NetSftp-1!", asked) do |sftp|
      v = "v#{asked}"
      check("#{v}: session speaks version #{want}", sftp.protocol.version == want,
            sftp.protocol.version)
      data = Random.new(asked).bytes(300_000)
      src = File.join(tmp, "src#{asked}.bin")
      File.binwrite(src, data)
      sftp.upload!(src, "up#{asked}.bin")
      disk = File.join(root, "up#{asked}.bin")
      check("#{v}: upload equals the source", File.binread(disk) == data)
      back = File.join(tmp, "back#{asked}.bin")
      sftp.download!("up#{asked}.bin", back)
      check("#{v}: download equals the file on disk", File.binread(back) == data)
      File.chmod(0o640, disk)
      st = File.stat(disk)
      a = sftp.stat!("up#{asked}.bin")
      check("#{v}: stat size", a.size == st.size, a.size)
      check("#{v}: stat mtime", a.mtime == st.mtime.to_i, a.mtime)
      check("#{v}: stat permissions", (a.permissions & 0o7777) == 0o640, a.permissions)
      check("#{v}: stat says regular file", a.file? && !a.directory?)
      if want >= 4
        check("#{v}: owner is a name or number", !a.owner.to_s.empty?, a.owner.inspect)
      end
      sftp.mkdir!("d#{asked}")
      check("#{v}: mkdir made a directory", File.directory?(File.join(root, "d#{asked}")))
      check("#{v}: stat of the directory", sftp.stat!("d#{asked}").directory?)
      sftp.rename!("up#{asked}.bin", "d#{asked}/moved.bin")
      check("#{v}: rename moved the file",
            !File.exist?(disk) && File.binread(File.join(root, "d#{asked}", "moved.bin")) == data)
      names = sftp.dir.entries("d#{asked}").map(&:name).sort
      check("#{v}: readdir lists the directory", names == [".", "..", "moved.bin"], names.inspect)
      ent = sftp.dir.entries("d#{asked}").find { |e| e.name == "moved.bin" }
      check("#{v}: readdir attributes carry the size", ent && ent.attributes.size == data.size)
      sftp.remove!("d#{asked}/moved.bin")
      check("#{v}: remove", !File.exist?(File.join(root, "d#{asked}", "moved.bin")))
      sftp.rmdir!("d#{asked}")
      check("#{v}: rmdir", !File.exist?(File.join(root, "d#{asked}")))
      code = status_code { sftp.stat!("nothing-here") }
      check("#{v}: stat of a missing file: no such file", code == 2, code)
      v5_checks(sftp, v, root, asked) if want >= 5
      v6_checks(sftp, v, root) if want >= 6
    end
  rescue StandardError => e
    check("v#{asked}: session", false, e.inspect + " " + e.message + " " + e.backtrace[0..3].join(" "))
  end
end

# the read-only account: v5/v6 OPEN for writing refused, reading allowed
roroot = ARGV[3]
[5, 6].each do |asked|
  v = "ro v#{asked}"
  begin
    session(srv, "reader", "pw-NetSftp-2!", asked) do |sftp|
      src = File.join(tmp, "src#{asked}.bin")
      code = status_code { sftp.upload!(src, "new#{asked}") }
      check("#{v}: upload (CREATE_TRUNCATE, WRITE_DATA) refused", code == 3, code)
      code = status_code { sftp.open!("keep", "r+") }
      check("#{v}: open of an existing file read-write (OPEN_EXISTING) refused", code == 3, code)
      code = status_code { sftp.open!("keep", "a") }
      check("#{v}: open for append (APPEND_DATA) refused", code == 3, code)
      code = status_code { sftp.rename!("keep", "kept", 1) }
      check("#{v}: rename with OVERWRITE refused", code == 3, code)
      back = File.join(tmp, "keep#{asked}")
      sftp.download!("keep", back)
      check("#{v}: download works", File.binread(back) == File.binread(File.join(roroot, "keep")))
    end
  rescue StandardError => e
    check("#{v}: session", false, e.inspect)
  end
end

# SFTPD_CLIENT_MATCH sftp=4 for net-ssh: asking for 6 gets 4
begin
  session(srv, "tester", "pw-NetSftp-1!", 6, " 'SFTPD_CLIENT_MATCH=Ruby*: sftp=4'") do |sftp|
    check("sftp=4: a client asking for 6 speaks 4", sftp.protocol.version == 4,
          sftp.protocol.version)
    sftp.upload!(File.join(tmp, "src6.bin"), "capped.bin")
    check("sftp=4: and uploads", File.binread(File.join(root, "capped.bin")) ==
                                 File.binread(File.join(tmp, "src6.bin")))
  end
rescue StandardError => e
  check("sftp=4: session", false, e.inspect)
end
RB

echo "1..89"
ruby "$T/probe.rb" "$T/srv" "$T/root" "$T" "$T/roroot" "$ACC_UID" "$ACC_GID" 2>"$T/ruby.err" | tee "$T/ruby.out"
T_N=$(grep -c '^ok\|^not ok' "$T/ruby.out")
T_FAILED=$(grep -c '^not ok' "$T/ruby.out")
for v in 5 6; do
	grep -q "session speaks SFTP version $v" "$LOG"
	t_is "$?" 0 "sftpd logged a version $v session"
done
t_is "$(ro_tree)" "$RO_BEFORE" "the read-only account's tree is unchanged"
grep -q "SFTPD_CLIENT_MATCH: .*SFTP up to version 4" "$LOG"
t_is "$?" 0 "the log names the sftp=4 cap"
