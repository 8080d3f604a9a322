#include "io/mapped_file.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tsr {

StatusOr<std::shared_ptr<MappedFile>> MappedFile::open(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return Error(Code::NotFound, "file not found: %s", path.c_str());
    return Error(Code::Io, "cannot stat %s: %s", path.c_str(), std::strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) return Error(Code::Io, "%s is a folder, expected a file", path.c_str());
  if (!S_ISREG(st.st_mode)) return Error(Code::Io, "%s is not a regular file", path.c_str());

  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error(Code::Io, "cannot open %s: %s", path.c_str(), std::strerror(errno));
  // Size from the open descriptor: the file may have changed since stat().
  if (::fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    return Error(Code::Io, "cannot stat %s: %s", path.c_str(), std::strerror(e));
  }
  std::shared_ptr<MappedFile> f(new MappedFile());
  f->path_ = path;
  f->size_ = size_t(st.st_size);
  if (f->size_ > 0) {
    void* p = ::mmap(nullptr, f->size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      int e = errno;
      ::close(fd);
      return Error(Code::Io, "cannot map %s (%zu bytes): %s", path.c_str(), f->size_, std::strerror(e));
    }
    f->data_ = static_cast<const uint8_t*>(p);
  }
  ::close(fd);  // the mapping stays valid without the descriptor
  return f;
}

StatusOr<Tensor> mapped_tensor(const std::shared_ptr<MappedFile>& file, const uint8_t* bytes,
                               DType dtype, Shape shape) {
  if (reinterpret_cast<uintptr_t>(bytes) % dtype_size(dtype) == 0)
    return Tensor::wrap(const_cast<uint8_t*>(bytes), dtype, std::move(shape), DeviceKind::Cpu, file);
  Tensor copy = host_empty(dtype, shape);
  if (!copy.data())
    return Error(Code::OutOfMemory, "cannot allocate %zu bytes to align a tensor of %s",
                 size_t(shape_numel(shape)) * dtype_size(dtype), file->path().c_str());
  std::memcpy(copy.data(), bytes, copy.nbytes());
  return copy;
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(const_cast<uint8_t*>(data_), size_);
}

}  // namespace tsr
