#include "source/kafka_conf.h"

#include "core/error.h"

namespace klaxon {

RdKafkaConfPtr make_kafka_conf(const std::map<std::string, std::string>& base,
                               const std::map<std::string, std::string>& user,
                               const std::string& origin) {
  RdKafkaConfPtr conf(rd_kafka_conf_new());
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
