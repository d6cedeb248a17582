#include "source/producer.h"

#include <memory>
#include <stdexcept>

namespace klaxon {

KafkaProducer::KafkaProducer(ProducerOptions options) : close_timeout_(options.close_timeout) {
  std::map<std::string, std::string> base = {
      {"bootstrap.servers", options.bootstrap_servers},
      {"linger.ms", std::to_string(options.linger.count())},
      {"enable.idempotence", options.idempotent ? "true" : "false"},
      {"client.id", "klaxon"},
  };
  RdKafkaConfPtr conf = make_kafka_conf(base, options.properties, "kafka.properties");
  rd_kafka_conf_set_opaque(conf.get(), this);
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &KafkaProducer::delivery_cb);
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), err, sizeof err);
  if (rk == nullptr) throw std::runtime_error(std::string("cannot create Kafka producer: ") + err);
  static_cast<void>(conf.release());
  rk_.reset(rk);
}

KafkaProducer::~KafkaProducer() {
  if (!rk_) return;
  // Whoever queued these is going away or gone (members declared after the producer are
  // destroyed before it): what the flush serves frees the callbacks without calling them.
  callbacks_dropped_.store(true);
  if (rd_kafka_flush(rk_.get(), static_cast<int>(close_timeout_.count())) ==
      RD_KAFKA_RESP_ERR_NO_ERROR)
    return;
  // What is still queued is given up: purged so that its delivery reports are served, and
  // with them the callbacks freed (rd_kafka_destroy would not).
  rd_kafka_purge(rk_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_poll(rk_.get(), 0);
}

void KafkaProducer::delivery_cb(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* self = static_cast<KafkaProducer*>(opaque);
  std::unique_ptr<DeliveryFn> fn(static_cast<DeliveryFn*>(m->_private));
  bool ok = m->err == RD_KAFKA_RESP_ERR_NO_ERROR;
  if (fn && self->callbacks_dropped_.load()) return;
  if (fn) {
    (*fn)(Delivery{ok, ok ? std::string() : std::string(rd_kafka_err2str(m->err)), m->partition,
                   ok ? m->offset : -1});
  } else if (!ok) {
    ++self->failed_without_callback_;
  }
}

bool KafkaProducer::produce(std::string_view topic, std::string_view key, std::string_view value,
                            const std::vector<Header>& headers, DeliveryFn on_delivery,
                            std::string* error, int32_t partition) {
  std::unique_ptr<DeliveryFn> fn;
  if (on_delivery) fn = std::make_unique<DeliveryFn>(std::move(on_delivery));
  std::string topic_name(topic);
  for (;;) {
    rd_kafka_headers_t* hdrs = nullptr;
    if (!headers.empty()) {
      hdrs = rd_kafka_headers_new(headers.size());
      for (const auto& h : headers)
        rd_kafka_header_add(hdrs, h.name.data(), static_cast<ssize_t>(h.name.size()),
                            h.value.data(), static_cast<ssize_t>(h.value.size()));
    }
    rd_kafka_resp_err_t e =
        rd_kafka_producev(rk_.get(), RD_KAFKA_V_TOPIC(topic_name.c_str()),
                          RD_KAFKA_V_PARTITION(partition), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                          RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                          RD_KAFKA_V_KEY(key.data(), key.size()), RD_KAFKA_V_HEADERS(hdrs),
                          RD_KAFKA_V_OPAQUE(fn.get()), RD_KAFKA_V_END);
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
      static_cast<void>(fn.release());  // delivery_cb owns it now
      return true;
    }
    if (hdrs != nullptr) rd_kafka_headers_destroy(hdrs);  // not taken on failure
    if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(rk_.get(), 50);
      continue;
    }
    if (error != nullptr) *error = rd_kafka_err2str(e);
    return false;
  }
}

void KafkaProducer::poll(std::chrono::milliseconds timeout) {
  rd_kafka_poll(rk_.get(), static_cast<int>(timeout.count()));
}

bool KafkaProducer::flush(std::chrono::milliseconds timeout) {
  return rd_kafka_flush(rk_.get(), static_cast<int>(timeout.count())) == RD_KAFKA_RESP_ERR_NO_ERROR;
}

int KafkaProducer::in_flight() const { return rd_kafka_outq_len(rk_.get()); }

std::string KafkaProducer::cluster_id(std::chrono::milliseconds timeout) {
  char* id = rd_kafka_clusterid(rk_.get(), static_cast<int>(timeout.count()));
  if (id == nullptr) return "";
  std::string s(id);
  rd_kafka_mem_free(rk_.get(), id);
  return s;
}

}  // namespace klaxon
