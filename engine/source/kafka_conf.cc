#include "source/kafka_conf.h"

#include <spdlog/spdlog.h>

#include "core/error.h"

namespace klaxon {

namespace {

// syslog levels, as librdkafka uses them.
spdlog::level::level_enum spdlog_level(int syslog_level) {
  if (syslog_level <= 2) return spdlog::level::critical;
  if (syslog_level == 3) return spdlog::level::err;
  if (syslog_level == 4) return spdlog::level::warn;
  if (syslog_level <= 6) return spdlog::level::info;
  return spdlog::level::debug;
}

void log_to_spdlog(const rd_kafka_t* rk, int level, const char* facility, const char* line) {
  spdlog::log(spdlog_level(level), "kafka {} {}: {}", rk != nullptr ? rd_kafka_name(rk) : "-",
              facility, line);
}

}  // namespace

void route_kafka_log(rd_kafka_conf_t* conf) { rd_kafka_conf_set_log_cb(conf, log_to_spdlog); }

RdKafkaConfPtr make_kafka_conf(const std::map<std::string, std::string>& base,
                               const std::map<std::string, std::string>& user,
                               const std::string& origin) {
  RdKafkaConfPtr conf(rd_kafka_conf_new());
  route_kafka_log(conf.get());
  std::vector<Problem> problems;
  auto apply = [&](const std::map<std::string, std::string>& props) {
    for (const auto& [key, value] : props) {
      char err[512];
      if (rd_kafka_conf_set(conf.get(), key.c_str(), value.c_str(), err, sizeof err) !=
          RD_KAFKA_CONF_OK)
        problems.push_back(Problem{"", 0, origin + "." + key, err});
    }
  };
  apply(base);
  apply(user);
  if (!problems.empty()) throw LoadError(problems);
  return conf;
}

}  // namespace klaxon
