// The RuleLogic of each rule type (internal to engine/alert; see rule_logic.h for what each
// one decides). One class per file: any_rule.cc, frequency_rule.cc, flatline_rule.cc,
// spike_rule.cc, new_term_rule.cc.
#pragma once

#include "alert/rule_logic.h"

namespace klaxon {

#define KLAXON_RULE_LOGIC(Name)                                                                 \
  class Name final : public RuleLogic {                                                         \
   public:                                                                                      \
    void on_match(const Rule& rule, GroupState& state, bool fresh, int64_t t,                   \
                  const std::vector<std::string>& ids, const LogicOptions& options,             \
                  std::vector<Firing>& fired) const override;                                   \
    void on_time(const Rule& rule, GroupState& state, int64_t now, const LogicOptions& options, \
                 std::vector<Firing>& fired) const override;                                    \
    int64_t next_due(const Rule& rule, const GroupState& state,                                 \
                     const LogicOptions& options) const override;                               \
    bool expired(const Rule& rule, const GroupState& state, int64_t now,                        \
                 const LogicOptions& options) const override;                                   \
  }

KLAXON_RULE_LOGIC(AnyLogic);
KLAXON_RULE_LOGIC(FrequencyLogic);
KLAXON_RULE_LOGIC(FlatlineLogic);
KLAXON_RULE_LOGIC(SpikeLogic);
KLAXON_RULE_LOGIC(NewTermLogic);

#undef KLAXON_RULE_LOGIC

}  // namespace klaxon
