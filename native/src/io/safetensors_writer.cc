#include "io/safetensors_writer.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>
#include <vector>

#include "core/json.h"
#include "io/safetensors.h"

namespace tsr {

namespace {

Status io_error(const char* what, const std::string& path, int err) {
  const char* hint = err == ENOSPC ? " (disk full)" : err == EACCES || err == EPERM ? " (permission denied)" : "";
  return Error(Code::Io, "%s %s: %s%s", what, path.c_str(), std::strerror(err), hint);
}

Status write_all(int fd, const void* data, size_t n, const std::string& path) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    size_t chunk = std::min<size_t>(n, size_t(1) << 30);
    ssize_t w = ::write(fd, p, chunk);
    if (w < 0) {
      if (errno == EINTR) continue;
      return io_error("cannot write", path, errno);
    }
    if (w == 0) return io_error("cannot write", path, ENOSPC);
    p += w;
    n -= size_t(w);
  }
  return OkStatus();
}

}  // namespace

Status write_safetensors(const std::string& path, const std::map<std::string, Tensor>& tensors,
                         const std::map<std::string, std::string>& metadata) {
  std::vector<std::pair<const std::string*, const Tensor*>> order;
  for (const auto& [name, t] : tensors) {
    if (name == "__metadata__") return Error(Code::InvalidArgument, "a tensor cannot be named __metadata__");
    if (t.device() != DeviceKind::Cpu || (!t.data() && t.numel() != 0))
      return Error(Code::InvalidArgument, "tensor '%s' is not a host tensor with data", name.c_str());
    order.push_back({&name, &t});
  }
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    return dtype_size(a.second->dtype()) > dtype_size(b.second->dtype());
  });

  std::string header = "{";
  if (!metadata.empty()) {
    header += "\"__metadata__\":{";
    bool first = true;
    for (const auto& [k, v] : metadata) {
      if (!first) header += ',';
      header += json_escape(k);
      header += ':';
      header += json_escape(v);
      first = false;
    }
    header += "}";
  }
  uint64_t offset = 0;
  for (const auto& [name, t] : order) {
    if (header.size() > 1) header += ",";
    header += json_escape(*name) + ":{\"dtype\":\"" + dtype_to_safetensors(t->dtype()) + "\",\"shape\":[";
    for (int d = 0; d < t->ndim(); ++d) {
      if (d) header += ',';
      header += std::to_string(t->dim(d));
    }
    uint64_t end = offset + t->nbytes();
    header += "],\"data_offsets\":[" + std::to_string(offset) + "," + std::to_string(end) + "]}";
    offset = end;
  }
  header += "}";
  while (header.size() % 8) header += ' ';  // keeps the data region 8-byte aligned

  static std::atomic<unsigned> counter{0};
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return io_error("cannot create", tmp, errno);

  auto fail = [&](Status st) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return st;
  };
  uint8_t len[8];
  for (int i = 0; i < 8; ++i) len[i] = uint8_t(uint64_t(header.size()) >> (8 * i));
  Status st = write_all(fd, len, 8, tmp);
  if (st.ok()) st = write_all(fd, header.data(), header.size(), tmp);
  for (size_t i = 0; st.ok() && i < order.size(); ++i) st = write_all(fd, order[i].second->data(), order[i].second->nbytes(), tmp);
  if (!st.ok()) return fail(st);
  if (::fsync(fd) != 0) return fail(io_error("cannot flush", tmp, errno));
  if (::close(fd) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    return io_error("cannot close", tmp, e);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    return io_error("cannot rename the finished file to", path, e);
  }
  return OkStatus();
}

}  // namespace tsr
