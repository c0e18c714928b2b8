public import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Files that hold secrets (private keys, the pseudonym and signing keys) and the folders they
/// live in. A secret is never readable by anyone but its owner, not even for an instant: it is
/// written to a new file opened `O_CREAT | O_EXCL` with mode 0600, flushed, and renamed into place.
public enum SecretFile {
  /// Writes `contents` to `path`, replacing any file there, readable by the owner only.
  public static func write(_ contents: Data, to path: String) throws(ConfigurationError) {
    let temporary = "\(path).tmp-\(UInt64.random(in: 0...UInt64.max))"
    let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else { throw failure("cannot create", temporary) }
    var ok = fchmod(descriptor, 0o600) == 0  // the umask may have taken the owner's bits too
    ok = ok && contents.withUnsafeBytes { buffer in
      var offset = 0
      while offset < buffer.count {
        let written = Glibc_write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
        if written < 0 {
          if errno == EINTR { continue }
          return false
        }
        offset += written
      }
      return true
    }
    ok = ok && fsync(descriptor) == 0
    let closed = close(descriptor) == 0
    guard ok, closed, rename(temporary, path) == 0 else {
      let error = failure("cannot write", path)
      unlink(temporary)
      throw error
    }
  }

  /// Refuses a secret that group or others may read or write: the error names the path, the
  /// mode and the fix.
  public static func requireOwnerOnly(_ path: String) throws(ConfigurationError) {
    var status = stat()
    guard stat(path, &status) == 0 else { throw failure("cannot read", path) }
    let mode = status.st_mode & 0o777
    guard mode & 0o077 == 0 else {
      throw ConfigurationError(
        "\(path): the key file can be read by group or others (mode \(String(mode, radix: 8))); "
          + "run `chmod 600 \(path)`")
    }
  }

  /// Creates `path` (and missing parents) for secrets: mode 0700. An existing folder is
  /// tightened to 0700 when group or others can enter it.
  public static func prepareDirectory(_ path: String) throws(ConfigurationError) {
    do {
      try FileManager.default.createDirectory(
        atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    } catch {
      throw ConfigurationError("\(path): cannot create the folder: \(error.localizedDescription)")
    }
    var status = stat()
    guard stat(path, &status) == 0 else { throw failure("cannot read", path) }
    if status.st_mode & 0o077 != 0, chmod(path, 0o700) != 0 {
      throw failure("cannot make owner-only (chmod 700)", path)
    }
  }

  private static func failure(_ what: String, _ path: String) -> ConfigurationError {
    ConfigurationError("\(path): \(what): \(String(cString: strerror(errno)))")
  }
}

/// `write(2)`, named apart from `SecretFile.write`.
@inline(__always)
private func Glibc_write(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
  #if canImport(Glibc)
  return Glibc.write(fd, buffer, count)
  #else
  return Darwin.write(fd, buffer, count)
  #endif
}
