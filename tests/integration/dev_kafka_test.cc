// `klaxon dev-kafka` serves a cluster that an independent client (kcat) can use.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <thread>

#include "integration/harness.h"

namespace klaxon::testing {
namespace {

std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

TEST(DevKafka, KcatSeesTopicsAndRoundTripsAMessage) {
  TempDir dir;
  std::string file = dir.file("bootstrap");
  pid_t pid = ::fork();
  if (pid == 0) {
    FILE* f = std::freopen("/dev/null", "w", stdout);
    (void)f;
    ::execl(KLAXON_BINARY, KLAXON_BINARY, "dev-kafka", "--bootstrap-file", file.c_str(), nullptr);
    ::_exit(127);
  }
  std::string bootstrap;
  for (int i = 0; i < 100 && bootstrap.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::ifstream in(file);
    std::getline(in, bootstrap);
  }
  ASSERT_FALSE(bootstrap.empty());
  std::string meta = run("kcat -b " + bootstrap + " -L -t pay_log_topic 2>&1");
  EXPECT_NE(meta.find("3 brokers"), std::string::npos) << meta;
  EXPECT_NE(meta.find("topic \"pay_log_topic\" with 3 partitions"), std::string::npos) << meta;
  std::string produced = run("echo '{\"message\":\"hello from kcat\"}' | kcat -b " + bootstrap +
                             " -P -t pay_log_topic -p 1 2>&1");
  EXPECT_EQ(produced, "");
  std::string consumed =
      run("kcat -b " + bootstrap + " -C -t pay_log_topic -p 1 -o beginning -e -q 2>&1");
  EXPECT_EQ(consumed, "{\"message\":\"hello from kcat\"}\n");
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

}  // namespace
}  // namespace klaxon::testing
