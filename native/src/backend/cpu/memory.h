// Host memory queries and the CPU backend's accounted allocations (memory.cc also holds the
// backend's transfer functions: upload, from_host, to_host, empty).
#pragma once

#include <cstdint>

namespace tsr::cpu {

struct HostRam {
  uint64_t total = 0;  // physical RAM
  uint64_t free = 0;   // available to new allocations without swapping (MemAvailable)
};
// From /proc/meminfo where present, else sysconf; zeros when neither answers.
HostRam host_ram();

}  // namespace tsr::cpu
