#include "notify/template.h"

#include <gtest/gtest.h>

namespace klaxon {
namespace {

TEST(MessageTemplate, InsertsVariablesAndKeepsSectionsOnlyWhenSet) {
  auto t = MessageTemplate::parse(
      "[{{severity}}] {{rule}}{{#host}} on {{host}}{{/host}}{{^request_ids}} (no "
      "ids){{/request_ids}}",
      Escape::none);
  EXPECT_EQ(t.render({{"severity", "error"}, {"rule", "pay-errors"}, {"host", "pay-app-03"}}),
            "[error] pay-errors on pay-app-03 (no ids)");
  EXPECT_EQ(t.render({{"severity", "error"}, {"rule", "pay-errors"}, {"request_ids", "r1"}}),
            "[error] pay-errors");
}

TEST(MessageTemplate, EscapesForTheChannelsFormat) {
  TemplateVars v{{"message", "a < b && c > \"d\""}};
  EXPECT_EQ(MessageTemplate::parse("<pre>{{message}}</pre>", Escape::html).render(v),
            "<pre>a &lt; b &amp;&amp; c &gt; &quot;d&quot;</pre>");
  EXPECT_EQ(MessageTemplate::parse("{{message}}", Escape::slack).render(v),
            "a &lt; b &amp;&amp; c &gt; \"d\"");
  EXPECT_EQ(MessageTemplate::parse("{{message}}", Escape::json).render(v),
            "a < b && c > \\\"d\\\"");
  EXPECT_EQ(MessageTemplate::parse("{{message}}", Escape::none).render(v), v["message"]);
}

TEST(MessageTemplate, TyposAreErrorsThatSayWhere) {
  auto error = [](const char* text) {
    try {
      MessageTemplate::parse(text, Escape::none);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error("ok\n{{rul}}"), "line 2: '{{rul}}': unknown variable 'rul'");
  EXPECT_EQ(error("{{#host}}x"), "line 1: '{{#host}}' is never closed");
  EXPECT_EQ(error("{{#host}}x{{/rule}}"), "line 1: '{{/rule}}' closes '{{#host}}'");
  EXPECT_EQ(error("{{rule"), "line 1: '{{' without a closing '}}'");
  EXPECT_EQ(error("plain text, {single} braces"), "no error");
}

}  // namespace
}  // namespace klaxon
