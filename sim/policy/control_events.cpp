// Export-control events: add_control, modify_control, remove_control (docs/SPEC.md §3, §6).
//
// Rules of one issuer are kept in order of adoption; for a (product, destination) pair the most
// recently adopted matching rule decides the treatment (deny / licence / allow), so a later,
// narrower rule (e.g. "H200 allowed under licence with a 25 % fee") overrides an earlier,
// broader one. A rule applies only to products whose export jurisdiction (origin) is its issuer.
//
//   [[event]]
//   date = "2022-10-07"
//   action = "add_control"
//   id = "us_2022_10"            # unique; later events refer to it
//   issuer = "US"
//   jurisdictions = ["US", "KR"] # optional: origins of the products covered (foreign direct
//                                # product rule); default: the issuer's own products
//   announced = "2024-06"        # optional: when firms learned of it (they may stockpile)
//   kind = "accelerator"         # or "hbm"
//   destinations = ["CN"]
//   treatment = "deny"           # "deny" | "licence" | "allow"
//   licence_fee = 0.15           # licence only: share of revenue paid to the issuer
//   approval_probability = 1.0   # licence only: chance an application is approved (per decision)
//   licence_term_months = 12     # licence only: a decision stands this long, then is re-made
//   quota_units_per_month = 0    # licence only: volume cap per (product, destination); 0 = none
//   quota_share_of_home_shipments = 0.5  # licence only: cap = share x last period's shipments of
//                                # the product to its maker's home market; 0 = none
// revoke_licences (id, optional products/destinations) revokes the licences granted under a
// rule: refused from that period for the licence term, then decided again.
//   [[event.prong]]              # the rule matches a product when any prong matches
//   tpp_ge = 4800                # <attribute>_<ge|gt|le|lt> = threshold (all must hold)
//   interconnect_GBps_ge = 600
//   products = ["H20"]           # optional: the prong applies only to these products
//   [[event.ally]]               # optional: another government mirrors the rule for its own
//   country = "NL"               # products after lag_months, with the given probability
//   lag_months = 6
//   probability = 0.8
#include <algorithm>
#include <cmath>
#include <sstream>

#include "sim/scenario/event_registry.hpp"
#include "sim/core/state.hpp"

namespace chipsim {
namespace {

Treatment read_treatment(TableReader& t) {
  const std::string s = t.string("treatment");
  if (s == "deny") return Treatment::deny;
  if (s == "licence" || s == "license") return Treatment::licence;
  if (s == "allow") return Treatment::allow;
  t.fail("treatment", "must be \"deny\", \"licence\" or \"allow\", got \"" + s + "\"");
}

std::vector<int> read_destinations(TableReader& t, const Model& world) {
  std::vector<int> out;
  for (const std::string& code : t.strings("destinations")) {
    auto c = world.country_index(code);
    if (!c) t.fail("destinations", "unknown country \"" + code + "\"");
    out.push_back(*c);
  }
  if (out.empty()) t.fail("destinations", "must name at least one country");
  return out;
}

Prong read_prong(TableReader& p, const Model& world) {
  Prong prong;
  if (p.has("products"))
    for (const std::string& name : p.strings("products")) prong.products.push_back(read_product(p, "products", world, name));
  for (const std::string& key : p.unread_keys()) {
    static const std::pair<const char*, Comparison> suffixes[] = {
        {"_ge", Comparison::ge}, {"_gt", Comparison::gt}, {"_le", Comparison::le}, {"_lt", Comparison::lt}};
    bool parsed = false;
    for (const auto& [suffix, cmp] : suffixes) {
      const std::string sfx(suffix);
      if (key.size() > sfx.size() && key.compare(key.size() - sfx.size(), sfx.size(), sfx) == 0) {
        auto attr = attribute_from_name(key.substr(0, key.size() - sfx.size()));
        if (!attr)
          p.fail(key, "unknown product attribute \"" + key.substr(0, key.size() - sfx.size()) +
                          "\" (known: tpp, perf_density, interconnect_GBps, memory_bandwidth_GBps, hbm_stacks, "
                          "bandwidth_density_GBps_mm2)");
        double threshold;
        if (*attr == Attribute::hbm_generation && p.raw().get(key)->is_string()) {  // a generation name
          const std::string g = p.raw().get(key)->as_string()->get();
          p.mark_used(key);
          const auto& gens = world.parameters.hbm_generations;
          const auto it = std::find(gens.begin(), gens.end(), g);
          if (it == gens.end()) p.fail(key, "unknown HBM generation \"" + g + "\"");
          threshold = static_cast<double>(it - gens.begin());
        } else {
          // Every attribute is non-negative: a negative threshold would match nothing or
          // everything, silently.
          threshold = p.number(key, 0.0, 1e300);
        }
        prong.conditions.push_back(Condition{*attr, cmp, threshold});
        parsed = true;
        break;
      }
    }
    if (!parsed) p.fail(key, "unknown key: expected <attribute>_ge|_gt|_le|_lt or products");
  }
  if (prong.conditions.empty() && prong.products.empty()) p.fail("a prong needs at least one condition or a products list");
  p.finish();
  return prong;
}

// Keys that only a licence may carry.
constexpr const char* kLicenceKeys[] = {"licence_fee", "approval_probability", "licence_term_months",
                                        "quota_units_per_month", "quota_share_of_home_shipments"};

const char* first_licence_key(TableReader& t) {
  for (const char* k : kLicenceKeys)
    if (t.has(k)) return k;
  return nullptr;
}

int term_periods(double months, int months_per_period) {
  return std::max(1, static_cast<int>(std::ceil(months / months_per_period - 1e-9)));
}

void read_licence_terms(TableReader& t, ControlRule& r, int months) {
  const bool licence = r.treatment == Treatment::licence;
  r.licence_term_periods = term_periods(12.0, months);  // the default term, should a modify make it a licence
  if (const char* k = first_licence_key(t); !licence && k) t.fail(k, "only allowed with treatment = \"licence\"");
  if (r.kind == static_cast<int>(ProductKind::hbm))
    for (const char* k : {"quota_units_per_month", "quota_share_of_home_shipments"})
      if (t.has(k)) t.fail(k, "volume quotas apply to accelerator licences only (the HBM market has no quota rationing)");
  if (!licence) return;
  r.licence_fee = t.number_or("licence_fee", 0.0, 0.0, 0.99);
  // A decision per application, standing for the licence's term (not a draw every period).
  r.approval_probability = t.number_or("approval_probability", 1.0, 0.0, 1.0);
  r.licence_term_periods = term_periods(t.number_or("licence_term_months", 12.0, 1.0, 600.0), months);
  r.quota_units = t.number_or("quota_units_per_month", 0.0, 0.0, 1e12) * months;
  r.quota_share_of_home = t.number_or("quota_share_of_home_shipments", 0.0, 0.0, 100.0);
}

// A rule in words, for `chipsim validate`: issuer, treatment, kind, destinations, prongs and the
// licence's terms.
std::string describe_rule(const ControlRule& r, const Model& world) {
  static const char* const treatments[] = {"deny", "licence", "allow"};
  std::ostringstream s;
  s << world.countries[static_cast<std::size_t>(r.issuer)].code << " " << treatments[static_cast<int>(r.treatment)] << " "
    << (r.kind == static_cast<int>(ProductKind::hbm) ? "HBM" : "accelerators");
  if (r.jurisdictions.size() != 1 || r.jurisdictions[0] != r.issuer) {
    s << " of";
    for (int c : r.jurisdictions) s << " " << world.countries[static_cast<std::size_t>(c)].code;
  }
  s << " to";
  for (int c : r.destinations) s << " " << world.countries[static_cast<std::size_t>(c)].code;
  static const char* const ops[] = {">=", ">", "<=", "<"};
  for (std::size_t k = 0; k < r.prongs.size(); ++k) {
    s << (k == 0 ? " where " : " or ") << "(";
    const Prong& p = r.prongs[k];
    bool first = true;
    if (!p.products.empty()) {
      s << "product in {";
      for (std::size_t i = 0; i < p.products.size(); ++i)
        s << (i ? ", " : "") << world.products[static_cast<std::size_t>(p.products[i])].name;
      s << "}";
      first = false;
    }
    for (const Condition& c : p.conditions) {
      s << (first ? "" : " and ") << attribute_name(c.attribute) << " " << ops[static_cast<int>(c.comparison)] << " " << c.threshold;
      first = false;
    }
    s << ")";
  }
  if (r.treatment == Treatment::licence) {
    s << "; licence fee " << r.licence_fee << ", approval " << r.approval_probability << " per decision for "
      << r.licence_term_periods * world.calendar.months_per_period << " months";
    if (r.quota_units > 0) s << ", quota " << r.quota_units / world.calendar.months_per_period << " units a month";
    if (r.quota_share_of_home > 0) s << ", quota " << r.quota_share_of_home << " x shipments home";
  }
  return s.str();
}

class AddControl final : public EventAction {
 public:
  AddControl(ControlRule rule, std::string summary) : rule_(std::move(rule)), summary_(std::move(summary)) {}
  void apply(const Model&, State& s) const override {
    s.rules.erase(std::remove_if(s.rules.begin(), s.rules.end(), [&](const ControlRule& r) { return r.id == rule_.id; }),
                  s.rules.end());
    s.rules.push_back(rule_);
    s.rules.back().epoch = ++s.rule_epochs;  // licence decisions under an earlier version lapse
  }
  std::string describe() const override { return "add control rule " + rule_.id + ": " + summary_; }
  const ControlRule* added_rule() const override { return &rule_; }

 private:
  ControlRule rule_;
  std::string summary_;
};

class ModifyControl final : public EventAction {
 public:
  struct LicenceChanges {
    std::optional<double> fee, approval, quota_units, quota_share;
    std::optional<int> term;
  };
  ModifyControl(std::string id, std::optional<Treatment> treatment, LicenceChanges licence,
                std::optional<std::vector<int>> destinations)
      : id_(std::move(id)), treatment_(treatment), licence_(licence), destinations_(std::move(destinations)) {}
  void apply(const Model&, State& s) const override {
    for (ControlRule& r : s.rules)
      if (r.id == id_) {
        if (treatment_) r.treatment = *treatment_;
        if (r.treatment != Treatment::licence) {
          r.licence_fee = 0;
          r.approval_probability = 1;
          r.quota_units = r.quota_share_of_home = 0;
        }
        if (licence_.fee) r.licence_fee = *licence_.fee;
        if (licence_.approval) r.approval_probability = *licence_.approval;
        if (licence_.term) r.licence_term_periods = *licence_.term;
        if (licence_.quota_units) r.quota_units = *licence_.quota_units;
        if (licence_.quota_share) r.quota_share_of_home = *licence_.quota_share;
        if (destinations_) r.destinations = *destinations_;
        r.epoch = ++s.rule_epochs;  // new terms: applications are decided again
        return;
      }
  }
  std::string describe() const override {
    static const char* const treatments[] = {"deny", "licence", "allow"};
    std::ostringstream s;
    s << "modify control rule " << id_ << ":";
    if (treatment_) s << " treatment " << treatments[static_cast<int>(*treatment_)];
    if (licence_.fee) s << " licence_fee " << *licence_.fee;
    if (licence_.approval) s << " approval_probability " << *licence_.approval;
    if (licence_.term) s << " licence term " << *licence_.term << " periods";
    if (licence_.quota_units) s << " quota " << *licence_.quota_units << " units a period";
    if (licence_.quota_share) s << " quota " << *licence_.quota_share << " x shipments home";
    if (destinations_) s << " destinations changed (" << destinations_->size() << ")";
    return s.str();
  }

 private:
  std::string id_;
  std::optional<Treatment> treatment_;
  LicenceChanges licence_;
  std::optional<std::vector<int>> destinations_;
};

// Revokes the licences granted under a rule (all, or those of listed products/destinations): they
// count as refused from this period for the rule's licence term, then are decided again.
class RevokeLicences final : public EventAction {
 public:
  RevokeLicences(std::string id, std::vector<int> products, std::vector<int> destinations)
      : id_(std::move(id)), products_(std::move(products)), destinations_(std::move(destinations)) {}
  void apply(const Model& m, State& s) const override {
    const ControlRule* rule = nullptr;
    for (const ControlRule& r : s.rules)
      if (r.id == id_) rule = &r;
    if (!rule) return;
    const int C = m.n_countries();
    for (int j = 0; j < m.n_products(); ++j) {
      if (!products_.empty() && std::find(products_.begin(), products_.end(), j) == products_.end()) continue;
      for (int c = 0; c < C; ++c) {
        if (!destinations_.empty() && std::find(destinations_.begin(), destinations_.end(), c) == destinations_.end()) continue;
        if (s.licence_rule[static_cast<std::size_t>(j * C + c)] != id_ || s.licence_decision(j, c) <= 0) continue;
        s.licence_decision(j, c) = -1;
        s.licence_until(j, c) = s.period + rule->licence_term_periods;
      }
    }
  }
  std::string describe() const override { return "revoke licences under rule " + id_; }

 private:
  std::string id_;
  std::vector<int> products_, destinations_;
};

class RemoveControl final : public EventAction {
 public:
  explicit RemoveControl(std::string id) : id_(std::move(id)) {}
  void apply(const Model&, State& s) const override {
    s.rules.erase(std::remove_if(s.rules.begin(), s.rules.end(), [&](const ControlRule& r) { return r.id == id_; }),
                  s.rules.end());
  }
  std::string describe() const override { return "remove control rule " + id_; }

 private:
  std::string id_;
};

std::shared_ptr<const EventAction> parse_add(TableReader& t, const Model& world) {
  ControlRule r;
  r.id = t.string("id");
  r.issuer = read_country(t, "issuer", world);
  if (t.has("jurisdictions")) {
    for (const std::string& code : t.strings("jurisdictions")) {
      auto c = world.country_index(code);
      if (!c) t.fail("jurisdictions", "unknown country \"" + code + "\"");
      r.jurisdictions.push_back(*c);
    }
  } else {
    r.jurisdictions.push_back(r.issuer);
  }
  r.kind = static_cast<int>(read_product_kind(t, "kind"));
  r.destinations = read_destinations(t, world);
  r.treatment = read_treatment(t);
  read_licence_terms(t, r, world.calendar.months_per_period);
  r.source = t.optional_string("source").value_or("");
  auto prongs = t.tables("prong");
  if (prongs.empty()) t.fail("prong", "missing: a control rule needs at least one [[event.prong]]");
  for (TableReader& p : prongs) r.prongs.push_back(read_prong(p, world));
  for (TableReader& a : t.tables("ally")) {
    AllyAdoption ally;
    ally.country = read_country(a, "country", world);
    if (ally.country == r.issuer) a.fail("country", "the issuer cannot be its own ally");
    ally.lag_periods = static_cast<int>(std::ceil(a.number_or("lag_months", 0, 0, 240) / world.calendar.months_per_period));
    ally.probability = a.number_or("probability", 1.0, 0.0, 1.0);
    a.finish();
    r.allies.push_back(ally);
  }
  std::string summary = describe_rule(r, world);
  return std::make_shared<AddControl>(std::move(r), std::move(summary));
}

std::shared_ptr<const EventAction> parse_modify(TableReader& t, const Model& world) {
  std::string id = t.string("id");
  std::optional<Treatment> treatment;
  if (t.has("treatment")) treatment = read_treatment(t);
  if (const char* k = first_licence_key(t); k && treatment && *treatment != Treatment::licence)
    t.fail(k, "only allowed with treatment = \"licence\"");
  ModifyControl::LicenceChanges licence;
  const int months = world.calendar.months_per_period;
  licence.fee = t.optional_number("licence_fee", 0.0, 0.99);
  licence.approval = t.optional_number("approval_probability", 0.0, 1.0);
  if (auto term = t.optional_number("licence_term_months", 1.0, 600.0)) licence.term = term_periods(*term, months);
  if (auto q = t.optional_number("quota_units_per_month", 0.0, 1e12)) licence.quota_units = *q * months;
  licence.quota_share = t.optional_number("quota_share_of_home_shipments", 0.0, 100.0);
  std::optional<std::vector<int>> destinations;
  if (t.has("destinations")) destinations = read_destinations(t, world);
  t.optional_string("source");
  if (!treatment && !first_licence_key(t) && !destinations)
    t.fail("modify_control changes nothing: give treatment, destinations or a licence term (licence_fee, approval_probability, "
           "licence_term_months, quota_units_per_month, quota_share_of_home_shipments)");
  return std::make_shared<ModifyControl>(std::move(id), treatment, licence, std::move(destinations));
}

std::shared_ptr<const EventAction> parse_revoke(TableReader& t, const Model& world) {
  std::string id = t.string("id");
  std::vector<int> products, destinations;
  if (t.has("products"))
    for (const std::string& name : t.strings("products")) {
      auto j = world.product_index(name);
      if (!j) t.fail("products", "unknown product \"" + name + "\"");
      products.push_back(*j);
    }
  if (t.has("destinations")) destinations = read_destinations(t, world);
  t.optional_string("source");
  return std::make_shared<RevokeLicences>(std::move(id), std::move(products), std::move(destinations));
}

std::shared_ptr<const EventAction> parse_remove(TableReader& t, const Model&) {
  t.optional_string("source");
  return std::make_shared<RemoveControl>(t.string("id"));
}

// An ally mirrors a rule for its own products (generated by the loader from [[event.ally]]).
class AllyAdoptionEvent final : public EventAction {
 public:
  AllyAdoptionEvent(ControlRule mirrored, double probability, std::uint64_t draw)
      : rule_(std::move(mirrored)), probability_(probability), draw_(draw) {}
  void apply(const Model&, State& s) const override {
    const double u = uniform01(s.random, draw_, static_cast<std::uint64_t>(s.period), RandomPurpose::ally_adoption);
    if (u >= probability_) return;
    s.rules.erase(std::remove_if(s.rules.begin(), s.rules.end(), [&](const ControlRule& r) { return r.id == rule_.id; }),
                  s.rules.end());
    s.rules.push_back(rule_);
    s.rules.back().epoch = ++s.rule_epochs;
  }
  std::string describe() const override {
    return "ally may adopt rule " + rule_.id + " (probability " + std::to_string(probability_) + ")";
  }

 private:
  ControlRule rule_;
  double probability_;
  std::uint64_t draw_;
};

const bool registered = register_event_action("add_control", parse_add) &&
                        register_event_action("modify_control", parse_modify) &&
                        register_event_action("remove_control", parse_remove) &&
                        register_event_action("revoke_licences", parse_revoke);

}  // namespace

std::shared_ptr<const EventAction> make_ally_adoption(const ControlRule& rule, const AllyAdoption& ally,
                                                      const std::string& ally_code, std::uint64_t draw) {
  ControlRule mirrored = rule;
  mirrored.id = rule.id + "@" + ally_code;
  mirrored.issuer = ally.country;
  mirrored.jurisdictions = {ally.country};
  mirrored.allies.clear();
  mirrored.source = "mirrors " + rule.id;
  return std::make_shared<AllyAdoptionEvent>(std::move(mirrored), ally.probability, draw);
}

}  // namespace chipsim
