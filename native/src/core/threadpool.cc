#include "core/threadpool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace tsr {

// Workers sleep on a condition variable; a job is a function plus an atomic chunk counter
// that the caller and the workers drain together.
struct ThreadPool::Impl {
  std::vector<std::thread> workers;
  std::mutex mu;
  std::condition_variable cv_work, cv_done;
  const std::function<void(int64_t, int64_t)>* fn = nullptr;
  int64_t n = 0, chunk = 1, num_chunks = 0;
  std::atomic<int64_t> next{0};
  int pending = 0;  // workers that have not finished the current generation
  uint64_t generation = 0;
  bool stop = false;
  std::atomic<bool> busy{false};

  void run_chunks() {
    for (;;) {
      int64_t c = next.fetch_add(1);
      if (c >= num_chunks) break;
      int64_t b = c * chunk, e = std::min(n, b + chunk);
      (*fn)(b, e);
    }
  }

  void worker() {
    uint64_t seen = 0;
    std::unique_lock<std::mutex> lock(mu);
    for (;;) {
      cv_work.wait(lock, [&] { return stop || generation != seen; });
      if (stop) return;
      seen = generation;
      lock.unlock();
      run_chunks();
      lock.lock();
      if (--pending == 0) cv_done.notify_all();
    }
  }
};

ThreadPool::ThreadPool(int num_threads) : impl_(new Impl) {
  if (num_threads <= 0) num_threads = int(std::max(1u, std::thread::hardware_concurrency()));
  for (int i = 1; i < num_threads; ++i) impl_->workers.emplace_back([this] { impl_->worker(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stop = true;
  }
  impl_->cv_work.notify_all();
  for (auto& t : impl_->workers) t.join();
  delete impl_;
}

int ThreadPool::size() const { return int(impl_->workers.size()) + 1; }

void ThreadPool::parallel_for(int64_t n, int64_t grain,
                              const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  grain = std::max<int64_t>(1, grain);
  int threads = size();
  // Serial when small, single-threaded, or nested inside another parallel_for.
  bool expected = false;
  if (threads == 1 || n <= grain || !impl_->busy.compare_exchange_strong(expected, true)) {
    fn(0, n);
    return;
  }
  int64_t chunk = std::max(grain, (n + threads * 4 - 1) / (threads * 4));
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->fn = &fn;
    impl_->n = n;
    impl_->chunk = chunk;
    impl_->num_chunks = (n + chunk - 1) / chunk;
    impl_->next = 0;
    impl_->pending = int(impl_->workers.size());
    ++impl_->generation;
  }
  impl_->cv_work.notify_all();
  impl_->run_chunks();
  {
    std::unique_lock<std::mutex> lock(impl_->mu);
    // Every worker must pass through this generation before the job's fields change again.
    impl_->cv_done.wait(lock, [&] { return impl_->pending == 0; });
    impl_->fn = nullptr;
  }
  impl_->busy = false;
}

static std::unique_ptr<ThreadPool>& pool_slot() {
  static std::unique_ptr<ThreadPool> pool;
  return pool;
}
static std::mutex g_pool_mu;

ThreadPool& default_pool() {
  std::lock_guard<std::mutex> lock(g_pool_mu);
  auto& p = pool_slot();
  if (!p) p = std::make_unique<ThreadPool>(0);
  return *p;
}

void set_default_pool_threads(int num_threads) {
  std::lock_guard<std::mutex> lock(g_pool_mu);
  auto& p = pool_slot();
  if (!p || (num_threads > 0 && p->size() != num_threads)) p = std::make_unique<ThreadPool>(num_threads);
}

}  // namespace tsr
