#!/bin/bash
# sftpd_sftp_v6.sh: Ruby's net-sftp (Debian ruby-net-sftp) pinned to SFTP
# protocol versions 3 and 4 against sftpd: put/get (bytes compared), stat
# (size, mtime, permissions against the file on disk), readdir, rename,
# mkdir/rmdir, remove; the version the session speaks is checked too.
# Versions 5 and 6 are not served yet: a client asking for them gets 4.
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
t_useradd "$T/keys/users" tester 'pw-NetSftp-1!' "$ACC_UID" "$ACC_GID" "$T/root" ||
	t_bail "cannot write the users file"
[ "$(id -u)" = 0 ] && chown -R "$ACC_UID:$ACC_GID" "$T/root"
t_privsep_env "$SFTPD"
{
	echo '#!/bin/sh'
	printf 'exec env -i PATH=/usr/bin:/bin %s SFTPD_HOST_KEYS=%q SFTPD_USERS_FILE=%q ' \
		"$T_PRIVSEP_ENV" "$T/keys/hk" "$T/keys/users"
	printf 'SFTPD_LOG_LEVEL=debug %q 2>>%q\n' "$SFTPD" "$LOG"
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

[[3, 3], [4, 4], [5, 4], [6, 4]].each do |asked, want|
  begin
    Net::SFTP.start("127.0.0.1", "tester",
                    { password: "pw-NetSftp-1!", auth_methods: ["password"],
                      proxy: Net::SSH::Proxy::Command.new(srv),
                      verify_host_key: :never, non_interactive: true },
                    { version: asked }) do |sftp|
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
      begin
        sftp.stat!("nothing-here")
        check("#{v}: stat of a missing file fails", false)
      rescue Net::SFTP::StatusException => e
        check("#{v}: stat of a missing file: no such file", e.code == 2, e.code)
      end
    end
  rescue StandardError => e
    check("v#{asked}: session", false, e.inspect)
  end
end
RB

echo "1..64"
ruby "$T/probe.rb" "$T/srv" "$T/root" "$T" 2>"$T/ruby.err"
if grep -q "session speaks SFTP version 4" "$LOG"; then
	echo "ok sftpd logged a version 4 session"
else
	echo "not ok sftpd logged no version 4 session"
fi
