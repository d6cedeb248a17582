// The klaxon binary as a newcomer and an SRE meet it: --version, exit codes of usage errors,
// options after subcommands, the log's format and colour, librdkafka's lines in it,
// --log-level and --metrics-listen on the command line, SIGHUP, and errors that say what to
// do (a port in use, a rules path relative to the config file).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "integration/harness.h"

namespace klaxon::testing {
namespace {

std::string write(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
  return path;
}

// A loopback port this test listens on (and so holds) until it closes `fd`.
int hold_port(int& fd) {
  fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  EXPECT_EQ(listen(fd, 1), 0);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  return ntohs(addr.sin_port);
}

TEST(Cli, VersionAndHelpExitZero) {
  TempDir dir;
  for (const char* flag : {"--version", "-V"}) {
    CliResult r = run_klaxon(dir, flag);
    EXPECT_EQ(r.status, 0) << flag;
    EXPECT_TRUE(std::regex_search(
        r.out, std::regex(R"(^klaxon \d+\.\d+\.\d+ \(git ([0-9a-f]{7,}(-dirty)?|unknown)\)\n$)")))
        << flag << ": " << r.out;
  }
  CliResult help = run_klaxon(dir, "--help");
  EXPECT_EQ(help.status, 0);
  EXPECT_NE(help.out.find("--version"), std::string::npos) << help.out;
}

TEST(Cli, UsageErrorsExitTwoLikeOtherInvalidInput) {
  TempDir dir;
  for (const char* args : {"run --bogus -c x.yaml", "run", "", "nonsense", "rules test",
                           "--log-level loud check", "rules check"}) {
    CliResult r = run_klaxon(dir, args);
    EXPECT_EQ(r.status, 2) << "klaxon " << args << ": " << r.err;
    EXPECT_NE(r.err.find("Run with --help for more information."), std::string::npos)
        << "klaxon " << args << ": " << r.err;
  }
}

TEST(Cli, AnOptionOfACommandMayFollowItsSubcommand) {
  TempDir dir;
  std::string config = write(dir.file("k.yaml"), "rules:\n  path: " + source_path("rules") + "\n");
  // -c belongs to `silence`; given after `add` it still counts, so the command gets as far
  // as judging the matcher (whose value can never occur).
  CliResult r = run_klaxon(dir, "silence add -c " + config + " --match severity=fatal");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err.find("--config is required"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--match severity=fatal: no alert has severity \"fatal\""),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("critical, error, warning, info"), std::string::npos) << r.err;
  r = run_klaxon(dir, "silence add -c " + config + " --match rule_type=burst");
  EXPECT_NE(r.err.find("rule_type is one of any, frequency, flatline, spike, new_term"),
            std::string::npos)
      << r.err;
  r = run_klaxon(dir, "silence add -c " + config + " --match alertname=pay-typo");
  EXPECT_NE(r.err.find("--match alertname=pay-typo: no such rule"), std::string::npos) << r.err;
}

// Every log line: an ISO 8601 UTC timestamp with its zone, the level, the text.
const std::regex kLogLine(
    R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (trace|debug|info|warning|error|critical) +\S)");

void expect_log_lines(const std::string& log) {
  std::istringstream in(log);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == ' ' || line[0] == '\t') continue;   // continuation lines
    if (std::regex_match(line, std::regex(R"([0-9.:,]+)"))) continue;  // dev-kafka's address
    EXPECT_TRUE(std::regex_search(line, kLogLine)) << "not a log line: " << line;
    EXPECT_NE(line[0], '%') << "a raw librdkafka line: " << line;
    ++lines;
  }
  EXPECT_GT(lines, 0);
  EXPECT_EQ(log.find("\033["), std::string::npos) << "colour in a file: " << log;
}

TEST(Cli, LogLinesCarryTheirZoneAndColourOnlyOnATerminalWithoutNoColor) {
  TempDir dir;
  {
    Process dev({KLAXON_BINARY, "dev-kafka", "--brokers", "1"}, dir.file("dev.log"));
    ASSERT_TRUE(dev.wait_output("mock Kafka cluster: 1 brokers")) << dev.output();
    EXPECT_EQ(dev.kill(SIGINT), 0);
    expect_log_lines(slurp(dir.file("dev.log")));
  }
  // On a terminal (script(1) gives it one): coloured, unless NO_COLOR is set. `generate
  // --stdout` logs one info line at its end and exits by itself.
  auto on_a_terminal = [&](const std::string& env) {
    std::string out = dir.file("tty.out");
    std::string cmd = "TERM=xterm " + env + " script -qec '" + std::string(KLAXON_BINARY) +
                      " generate --stdout -n 1' /dev/null > " + out;
    EXPECT_EQ(std::system(cmd.c_str()), 0);
    return slurp(out);
  };
  std::string coloured = on_a_terminal("");
  EXPECT_NE(coloured.find("generated 1 event in "), std::string::npos) << coloured;
  EXPECT_NE(coloured.find("\033["), std::string::npos) << coloured;
  std::string plain = on_a_terminal("NO_COLOR=1");
  EXPECT_NE(plain.find("generated 1 event in "), std::string::npos) << plain;
  EXPECT_EQ(plain.find("\033["), std::string::npos) << plain;
}

// The config says warn; --log-level on the command line wins. librdkafka's own lines (its
// debug contexts, set in kafka.properties) come through klaxon's log at their level. A
// metrics port in use stops the start early, after the rules were loaded (an info line).
TEST(Cli, LogLevelOnTheCommandLineWinsAndAPortInUseNamesAddressAndKey) {
  KafkaCluster kafka;
  TempDir dir;
  int taken = -1;
  int port = hold_port(taken);
  std::string yaml = child_config_yaml(kafka, dir, port);
  yaml.insert(yaml.find("  properties:\n") + 14, "    debug: generic\n");
  std::string config = write(dir.file("k.yaml"), yaml + "log:\n  level: warn\n");

  CliResult quiet = run_klaxon(dir, "run -c " + config);
  EXPECT_EQ(quiet.status, 1);
  EXPECT_EQ(quiet.err.find(" info "), std::string::npos) << quiet.err;
  EXPECT_EQ(quiet.err.find(" debug "), std::string::npos) << quiet.err;
  std::string address = "127.0.0.1:" + std::to_string(port);
  EXPECT_NE(quiet.err.find("cannot serve metrics on " + address + ": Address already in use"),
            std::string::npos)
      << quiet.err;
  EXPECT_NE(quiet.err.find("metrics.listen in the config or --metrics-listen"), std::string::npos)
      << quiet.err;

  CliResult verbose = run_klaxon(dir, "run -c " + config + " --log-level debug");
  EXPECT_EQ(verbose.status, 1);
  EXPECT_NE(verbose.err.find(" info  rules: 2 rules loaded"), std::string::npos) << verbose.err;
  EXPECT_TRUE(
      std::regex_search(verbose.err, std::regex(R"(Z debug +kafka klaxon#producer-1 \S+: )")))
      << verbose.err;
  expect_log_lines(verbose.err);
  // The global option is accepted before the subcommand as well.
  verbose = run_klaxon(dir, "--log-level info run -c " + config);
  EXPECT_NE(verbose.err.find(" info  rules: 2 rules loaded"), std::string::npos) << verbose.err;
  close(taken);
}

// `klaxon run` with the metrics address and log level from its command line, and SIGHUP: a
// reload that says how it ended, also when nothing changed, and a process that stays up.
TEST(Cli, RunTakesItsCommandLineAndReloadsRulesOnSighup) {
  KafkaCluster kafka;
  TempDir dir;
  std::string rules = write(dir.file("rules/pay.yaml"), slurp(source_path("rules/pay.yaml")));
  // The config's port is held here: klaxon starts only if it serves the command line's.
  int held = -1;
  int config_port = hold_port(held), cli_port = free_port();
  std::string yaml = child_config_yaml(kafka, dir, config_port);
  // The rules are copied, and reloaded only when asked (no file watching).
  yaml.replace(yaml.find(source_path("rules/pay.yaml")), source_path("rules/pay.yaml").size(),
               dir.file("rules") + "\n  reload: false");
  std::string config = write(dir.file("k.yaml"), yaml + "log:\n  level: warn\n");
  Process run({KLAXON_BINARY, "run", "-c", config, "--metrics-listen",
               "127.0.0.1:" + std::to_string(cli_port), "--log-level", "info"},
              dir.file("run.log"));
  ASSERT_TRUE(run.wait_output("assigned: ")) << run.output();
  std::string body;
  EXPECT_EQ(http_get(cli_port, "/metrics", body), 200);

  run.signal(SIGHUP);
  ASSERT_TRUE(run.wait_output("rules: " + dir.file("rules") + " unchanged; generation 1 stays"))
      << run.output();
  std::ofstream(rules, std::ios::app) << R"(
  - name: pay-timeout
    severity: warning
    message:
      match: ['timed out']
)";
  run.signal(SIGHUP);
  ASSERT_TRUE(run.wait_output("rules: reloaded 3 rules from " + dir.file("rules"))) << run.output();
  EXPECT_TRUE(
      wait_until([&] { return scrape_metric(cli_port, "klaxon_rules_generation") == 2; }, 10));
  EXPECT_TRUE(run.running());
  EXPECT_EQ(run.kill(SIGTERM), 0);
  std::string log = slurp(dir.file("run.log"));
  expect_log_lines(log);
  EXPECT_NE(log.find("SIGHUP: reloading the rule files"), std::string::npos) << log;
  close(held);
}

// `check` validates what `run` would before connecting: a channel whose secret is missing
// and a rule notifying a channel that does not exist, both in one run.
TEST(Cli, CheckValidatesChannelsAndNotifyAsRunWould) {
  TempDir dir;
  write(dir.file("rules/r.yaml"),
        "rules:\n  - name: r\n    message: {match: [ERROR]}\n    notify: [pager]\n");
  std::string config =
      write(dir.file("k.yaml"),
            "rules:\n  path: rules\nstate:\n  dir: state\nnotify:\n  channels:\n    hook:\n"
            "      type: webhook\n      url_env: KLAXON_TEST_UNSET_HOOK_URL\n");
  CliResult r = run_klaxon(dir, "check -c " + config);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("KLAXON_TEST_UNSET_HOOK_URL is not set"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("'pager' is not a channel of the config's notify.channels (hook)"),
            std::string::npos)
      << r.err;
}

// Issue 18, 9: every mistake `run` would refuse before touching the network, `check`
// refuses too, in one run, each with file:line and key; and `run` refuses them up front.
TEST(Cli, CheckRejectsWhatRunRejects) {
  TempDir dir;
  write(dir.file("not-a-dir"), "a file");
  std::string config = write(
      dir.file("k.yaml"),
      "kafka:\n  bootstrap_servers: 'broker one:9092,b2:99999'\n  properties:\n"
      "    no.such.property: x\n    session.timeout.ms: soon\nmetrics:\n  listen: nowhere\n"
      "state:\n  dir: " +
          dir.file("not-a-dir/state") + "\nrules:\n  path: " + source_path("rules") +
          "\nnotify:\n  channels:\n    chat:\n      type: slack\n      url: http://127.0.0.1:1/\n"
          "      templates: {text: '{{no_such_variable}}'}\n");
  CliResult r = run_klaxon(dir, "check -c " + config);
  EXPECT_EQ(r.status, 2);
  for (const std::string& want :
       {config + ":2:22: kafka.bootstrap_servers: 'broker one:9092' is not host:port",
        config + ":7:11: metrics.listen: 'nowhere' is not [host:]port"}) {
    EXPECT_NE(r.err.find(want), std::string::npos) << want << "\n" << r.err;
  }
  // With the syntax fixed, what only librdkafka and the file system can tell.
  std::string text = slurp(config);
  text.replace(text.find("'broker one:9092,b2:99999'"), 26, "127.0.0.1:1");
  text.replace(text.find("nowhere"), 7, "127.0.0.1:0");
  write(config, text);
  r = run_klaxon(dir, "check -c " + config);
  EXPECT_EQ(r.status, 2);
  for (const std::string& want :
       {config + ":4: kafka.properties.no.such.property: No such configuration property",
        config + ":5: kafka.properties.session.timeout.ms: Invalid value",
        config + ":9: state.dir: " + dir.file("not-a-dir/state") + " cannot be created or written",
        std::string("no_such_variable")}) {
    EXPECT_NE(r.err.find(want), std::string::npos) << want << "\n" << r.err;
  }
  CliResult run = run_klaxon(dir, "run -c " + config);
  EXPECT_EQ(run.status, 2) << run.err;
  EXPECT_NE(run.err.find("kafka.properties.no.such.property"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("state.dir"), std::string::npos) << run.err;
}

TEST(Cli, ARelativeRulesPathIsTheConfigDirectorysAndAMissingOneSaysSo) {
  TempDir dir;
  write(dir.file("etc/rules/pay.yaml"), slurp(source_path("rules/pay.yaml")));
  std::string config =
      write(dir.file("etc/klaxon.yaml"), "rules:\n  path: rules\nstate:\n  dir: state\n");
  // From another working directory, the rules are still the config's.
  CliResult ok = run_klaxon(dir, "check -c " + config);
  EXPECT_EQ(ok.status, 0) << ok.err;
  EXPECT_EQ(ok.out, "ok: 2 rules, 9 patterns from 1 file\n");

  std::string wrong =
      write(dir.file("etc/other.yaml"), "rules:\n  path: rulez\nstate:\n  dir: state\n");
  CliResult missing = run_klaxon(dir, "check -c " + wrong);
  EXPECT_EQ(missing.status, 2);
  std::string cwd = std::filesystem::current_path().string();
  EXPECT_EQ(missing.err, dir.file("etc/rulez") +
                             ": rules.path: no such file or directory (rules.path 'rulez' of " +
                             wrong + " is resolved against the config file's directory: " +
                             dir.file("etc/rulez") + "; working directory " + cwd + ")\n");
}

}  // namespace
}  // namespace klaxon::testing
