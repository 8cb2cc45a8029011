#!/usr/bin/env python3
"""phases.py: where a server's CPU time goes, per session, from exec to exit.

Reads `perf script -F comm,ip,sym,dso` output (cpu-clock samples with call
chains, from `perf record -g -e cpu-clock -F RATE`) of N sessions and
prints, for each process name and in total, the milliseconds per session
spent in each phase.  A sample belongs to the first phase whose rule
matches a frame of its chain (kernel frames first, then the leaf):

  exec          execve: loading the ELF image
  dynamic link  ld.so: mapping libraries, relocations, symbol lookups
  libc start    glibc's CPU feature and cache probing (cpuid)
  fork          creating a process (copy_process, dup_mmap)
  exit          ending a process (do_exit, exit_mmap)
  seccomp       loading a seccomp filter
  page faults   faults outside the phases above
  I/O           read, write, poll, sockets and pipes
  files         opening, stat, directories
  scheduling    context switches and wake-ups
  other kernel
  libsodium     key exchange, signatures, chacha20-poly1305 (symbols stripped)
  libcrypto     OpenSSL: AES, RSA/ECDSA, its start-up (libssl too)
  libtls        libretls's own code
  libcrypt      crypt(3) password hashes
  program       the server's own code
  libc          the rest of the C library
  other

Columns are process names; pid_*, env and sh-* are the benchmark's
launcher (a shell and env(1)) before they become the server, the same for
every server.  In a statically linked server the libraries' code is told
apart from the program's by symbol names.

Usage: phases.py SESSIONS PERIOD_MS < perf-script-output
"""
import collections
import sys

KERNEL_RULES = [
    ("exec", ("load_elf_binary", "bprm_execve", "do_execveat_common", "begin_new_exec")),
    ("fork", ("copy_process", "dup_mmap", "kernel_clone", "copy_page_range", "schedule_tail",
              "ret_from_fork")),
    ("exit", ("do_exit", "exit_mmap", "do_group_exit", "mmput", "exit_files")),
    ("seccomp", ("do_seccomp", "seccomp_",)),
    ("page faults", ("exc_page_fault", "handle_mm_fault")),
    ("I/O", ("ksys_read", "ksys_write", "do_sys_poll", "__x64_sys_poll", "__sys_sendto",
             "__sys_recvfrom", "sock_", "pipe_", "unix_", "__x64_sys_sendmsg",
             "__x64_sys_recvmsg", "do_writev", "do_readv")),
    ("files", ("path_openat", "do_sys_openat2", "vfs_statx", "iterate_dir", "do_filp_open",
               "__x64_sys_openat", "do_faccessat", "__x64_sys_getdents64", "vfs_read")),
    ("scheduling", ("finish_task_switch", "schedule", "try_to_wake_up", "__wake_up")),
]
LIBC_START = ("init_cpu_features", "intel_check_word", "handle_intel", "get_common_cache_info",
              "get_common_indices", "update_active", "init_cacheinfo", "dl_init_cacheinfo",
              "cpu_features")
ORDER = ["exec", "dynamic link", "libc start", "fork", "exit", "seccomp", "page faults", "I/O",
         "files", "scheduling", "other kernel", "libsodium", "libcrypto", "libtls", "libcrypt",
         "program",
         "libc", "other"]


def classify(frames):
    """frames: list of (sym, dso), leaf first."""
    for phase, needles in KERNEL_RULES:
        for sym, dso in frames:
            if "kernel" in dso and any(sym.startswith(n) for n in needles):
                return phase
    sym, dso = frames[0]
    if "kernel" in dso:
        return "other kernel"
    if any(sym.startswith(n) for n in LIBC_START):
        return "libc start"
    if "ld-linux" in dso or "/ld-" in dso:
        return "dynamic link"
    if "libsodium" in dso:
        return "libsodium"
    if "libcrypto" in dso:
        return "libcrypto"
    if "libcrypt." in dso:
        return "libcrypt"
    if "libc.so" in dso or "libc-" in dso:
        return "libc"
    if dso.endswith(("/sftpd", "/ftpsd", "/sshd", "/sftp-server")) or "sftpd" in dso:
        return static_library(frames) or "program"
    return "other"


# A statically linked program has the libraries' code in its own image:
# their symbols tell them apart.  The password hash first, by any frame of
# the chain (its SHA-512 is named like libcrypto's); then the leaf.
CRYPT_SYMS = ("crypt_r", "crypt_rn", "_crypt_", "yescrypt", "escrypt", "blockmix", "smix",
              "salsa20")
SODIUM_SYMS = ("crypto_", "sodium", "_sodium", "fe25519", "ge25519", "sc25519", "._ladder",
               "randombytes", "blake2b", "argon2")
CRYPTO_SYMS = ("EVP_", "evp_", "ossl_", "OSSL_", "OPENSSL_", "CRYPTO_", "ERR_", "err_", "BN_",
               "bn_", "EC_", "ec_", "ecp_", "RSA_", "rsa_", "X509", "x509", "ASN1_", "asn1_",
               "OBJ_", "obj_", "PEM_", "pem_", "BIO_", "bio_", "SSL_", "ssl", "tls1_", "tls13_",
               "tls_construct", "tls_process", "tls_parse", "tls_setup", "WPACKET", "PACKET",
               "aesni_", "AES_", "_aesni", "SHA", "sha", "getrn", "do_name", "sa_doall",
               "x25519_", "ECDSA", "DH_", "dh_", "_dopr", "doapr", "fmtint", "namemap",
               "get_legacy", "algorithm_do", "ChaCha20", "Poly1305", "gcm_", "lh_", "_x86_64_",
               "padlock")


def static_library(frames):
    if any(sym.startswith(CRYPT_SYMS) for sym, _ in frames):
        return "libcrypt"
    leaf = frames[0][0]
    if leaf.startswith(SODIUM_SYMS):
        return "libsodium"
    if leaf.startswith(CRYPTO_SYMS):
        return "libcrypto"
    if leaf.startswith("tls_"):
        return "libtls"
    return None


def samples(lines):
    comm, frames = None, []
    for line in lines:
        line = line.rstrip("\n")
        if not line.strip():
            if comm is not None and frames:
                yield comm, frames
            comm, frames = None, []
            continue
        if not line.startswith(("\t", " ")):
            if comm is not None and frames:
                yield comm, frames
            comm, frames = line.split()[0] if line.split() else "?", []
            continue
        parts = line.split(None, 1)
        if len(parts) < 2:
            continue
        rest = parts[1]
        dso = rest[rest.rfind("(") + 1:rest.rfind(")")] if "(" in rest else "?"
        sym = rest[:rest.rfind("(")].strip() if "(" in rest else rest
        sym = sym.split("+")[0]
        frames.append((sym, dso))
    if comm is not None and frames:
        yield comm, frames


def main():
    sessions = float(sys.argv[1])
    period = float(sys.argv[2])
    table = collections.defaultdict(collections.Counter)
    for comm, frames in samples(sys.stdin):
        table[comm][classify(frames)] += 1
        table["(all)"][classify(frames)] += 1
    comms = sorted((c for c in table if c != "(all)"), key=lambda c: -sum(table[c].values()))
    comms.append("(all)")
    width = max(12, max(len(c) for c in comms) + 1)
    print("ms per session".ljust(14) + "".join(c.rjust(width) for c in comms))
    for phase in ORDER:
        if not any(table[c][phase] for c in comms):
            continue
        print(phase.ljust(14) + "".join(
            ("%.2f" % (table[c][phase] * period / sessions)).rjust(width) for c in comms))
    print("total".ljust(14) + "".join(
        ("%.2f" % (sum(table[c].values()) * period / sessions)).rjust(width) for c in comms))


if __name__ == "__main__":
    main()
