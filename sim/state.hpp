#pragma once
// The mutable State of one run: everything that changes from period to period.
// Fields are grouped by the pipeline stage that writes them (sim/pipeline.hpp).
// Shapes are given as (rows x cols) with the index names used throughout chipsim:
// P products, F firms, C countries, A AI firms.
#include <Eigen/Core>
#include <vector>

#include "sim/control_rule.hpp"
#include "sim/rng.hpp"
#include "sim/series.hpp"

namespace chipsim {

struct Model;

struct State {
  int period = 0;       // index of the current period
  RandomKey random;     // (seed, run) of this run

  // --- stage apply_policy: policy instruments in force ---
  std::vector<ControlRule> rules;   // active export-control rules, in order of adoption
  std::vector<double> tariff;       // ad-valorem tariff by Model::tariff_slot(importer, origin, kind)
  // Market access this period, resolved from the rules (P x C):
  Eigen::ArrayXXd available;        // 1 if product p may be sold to country c this period, else 0
  Eigen::ArrayXXd licence_fee;      // share of revenue owed to the licensing government
  Eigen::ArrayXXi fee_recipient;    // country index of the licensing government, -1 if none
  Eigen::ArrayXXd tariff_rate;      // ad-valorem tariff paid by buyers in c on product p

  // --- stage plan_production (P; accelerator products) ---
  Eigen::VectorXd expected_demand;       // adaptive expectation of units sold per period
  Eigen::VectorXd planned_output;        // units the maker plans to produce this period
  Eigen::VectorXd hbm_demand;            // HBM stacks the maker wants to buy this period (incl. stockpiling)

  // --- stage clear_hbm_market (P) ---
  // Prices and units of HBM products are stored in price_usd / units_to like accelerators'.
  Eigen::VectorXd hbm_bought;            // stacks bought this period, by accelerator product line
  Eigen::VectorXd hbm_spend_usd;         // paid for them incl. tariffs, USD
  Eigen::VectorXd hbm_unit_cost_usd;     // latest price paid per stack incl. tariffs (persists)
  Eigen::VectorXd hbm_stock;             // stacks held, by accelerator product line
  Eigen::VectorXd effective_capacity;    // min(capacity, usable HBM / stacks per unit), units
  std::vector<char> offered;             // product was on sale somewhere with capacity (last market)

  // --- stage clear_accelerator_market (P, P x C, A) ---
  Eigen::VectorXd price_usd;             // producer price per unit, USD (P)
  Eigen::VectorXd units_sold;            // units per period (P)
  Eigen::ArrayXXd units_to;              // units sold by product to destination country (P x C)
  Eigen::VectorXd buyer_spend_usd;       // paid by each AI firm incl. tariffs, USD (A)
  Eigen::VectorXd buyer_compute_h100e;   // compute bought by each AI firm this period, H100e (A)
  Eigen::VectorXd buyer_domestic_units;  // units bought from the AI firm's own country (A)
  int pricing_iterations = 0;            // fixed-point iterations used this period
  double pricing_residual = 0;           // final max relative price change

  // --- stage book_accounts (F x C, F, C) ---
  Eigen::ArrayXXd revenue_usd;         // gross revenue by firm and destination, USD (F x C)
  Eigen::VectorXd firm_cash_usd;       // cumulative cash of each firm, USD (F)
  Eigen::VectorXd fee_income_usd;      // licence fees received by each government this period (C)
  Eigen::VectorXd tariff_income_usd;   // tariffs received by each government this period (C)
  Eigen::ArrayXXd trade_usd;           // accelerator trade by origin and destination, USD (C x C)
  Eigen::ArrayXXd hbm_trade_usd;       // HBM trade by origin and destination, USD (C x C)
  Eigen::VectorXd hbm_used;            // stacks built into accelerators this period (P)

  // --- stage grow_capacity (P) ---
  Eigen::VectorXd capacity_units;      // production capacity, units per period (P)

  // --- stage update_ai_firms (A) ---
  Eigen::VectorXd budget_usd;          // compute budget per period, USD (A)
  Eigen::VectorXd budget_growth;       // current growth rate of the budget per period (A)
  Eigen::VectorXd compute_stock_h100e; // installed compute, H100-equivalents (A)

  // --- stage record_period ---
  Series series;                       // the recorded time series of the whole run
};

// The State at the start of a run (period 0, before any stage).
State initial_state(const Model& model, RandomKey random);

}  // namespace chipsim
