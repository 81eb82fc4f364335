# Extra golden values for analysis/ beyond r-survey-oracle.R: domains of calibrated, raked,
# multistage and replicate designs, missing values, lonely PSUs, design effects of totals.
# Needs: apt-get install -y r-cran-survey   (Debian bookworm: survey 4.1-1, R 4.2.2)
# Run from this folder: Rscript r-survey-extra.R   (writes r-survey-extra.json)
suppressMessages(library(survey))
data(api)
out <- list()
put <- function(key, est, se, extra = NULL) out[[key]] <<- c(list(est = unname(est), se = unname(se)), extra)
by3 <- function(key, b, v) for (i in seq_len(nrow(b))) put(paste0(key, ".", b[i, 1]), b[[v]][i], SE(b)[i])
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
dclus2 <- svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = apiclus2)
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
pop.types <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
pop.schwide <- data.frame(sch.wide = c("No", "Yes"), Freq = c(1072, 5122))
dp <- postStratify(dclus1, ~stype, pop.types)
dr <- rake(dclus1, list(~stype, ~sch.wide), list(pop.types, pop.schwide), control = list(epsilon = 1e-10, maxit = 100))
pt <- c(`(Intercept)` = 6194, stypeH = 755, stypeM = 1018, api99 = 3914069)
dg <- calibrate(dclus1, ~stype + api99, pt)
# design effects of totals
for (nm in c("dclus1", "dclus2", "dstrat")) { e <- svytotal(~api00, get(nm), deff = TRUE); put(paste0(nm, ".total_deff.api00"), coef(e), SE(e), list(deff = unname(deff(e)))) }
# domains on every kind of design
by3("dclus2.by_stype.mean.api00", svyby(~api00, ~stype, dclus2, svymean), "api00")
by3("dclus2.by_stype.total.enroll", svyby(~enroll, ~stype, dclus2, svytotal, na.rm = TRUE), "enroll")
by3("dclus1.poststrat.by_awards.mean.api00", svyby(~api00, ~awards, dp, svymean), "api00")
by3("dclus1.rake.by_awards.mean.api00", svyby(~api00, ~awards, dr, svymean), "api00")
by3("dclus1.calib.by_awards.mean.api00", svyby(~api00, ~awards, dg, svymean), "api00")
by3("dclus1.calib.by_awards.total.enroll", svyby(~enroll, ~awards, dg, svytotal), "enroll")
by3("dclus1.by_awards.ratio.apistu_enroll", svyby(~api.stu, ~awards, dclus1, svyratio, denominator = ~enroll), "api.stu/enroll")
by3("dclus1.JK1.by_awards.mean.api00", svyby(~api00, ~awards, as.svrepdesign(dclus1), svymean), "api00")
dstratjk <- as.svrepdesign(dstrat)
by3("dstrat.JKn.by_awards.mean.api00", svyby(~api00, ~awards, dstratjk, svymean), "api00")
dstratjkp <- postStratify(dstratjk, ~sch.wide, data.frame(sch.wide = c("No", "Yes"), Freq = c(1072, 5122)))
e <- svymean(~api00, dstratjkp); put("dstrat.JKn.poststrat_schwide.mean.api00", coef(e), SE(e))
# missing values: api00 set to NA in every 7th row, na.rm=TRUE
apiclus1$api00na <- ifelse(seq_len(nrow(apiclus1)) %% 7 == 0, NA, apiclus1$api00)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
e <- svymean(~api00na, dclus1, na.rm = TRUE, deff = TRUE); put("dclus1.na7.mean.api00", coef(e), SE(e), list(deff = unname(deff(e)), df = degf(subset(dclus1, !is.na(api00na)))))
by3("dclus1.na7.by_stype.mean.api00", svyby(~api00na, ~stype, dclus1, svymean, na.rm = TRUE), "api00na")
# proportions by domain, logit interval
for (s in c("E", "H", "M")) { ci <- svyciprop(~I(sch.wide == "Yes"), subset(dclus1, stype == s), method = "logit")
  put(paste0("dclus1.by_stype.ciprop_schwide.", s), coef(ci), SE(ci), list(ci = unname(attr(ci, "ci")), df = degf(subset(dclus1, stype == s)))) }
# quantile in a domain
q <- svyquantile(~api00, subset(dclus1, stype == "E"), 0.5, ci = TRUE)$api00
put("dclus1.stypeE.quantile.api00.q50", q[1, 1], q[1, 4], list(ci = unname(q[1, 2:3])))
# lonely PSUs: drop all but one PSU of stratum H in apistrat-like clustered design
lon <- apistrat[!(apistrat$stype == "H" & apistrat$dnum != apistrat$dnum[apistrat$stype == "H"][1]), ]
for (rule in c("certainty", "adjust", "remove")) { options(survey.lonely.psu = rule)
  d <- svydesign(id = ~dnum, strata = ~stype, weights = ~pw, data = lon, nest = TRUE)
  e <- svymean(~api00, d); put(paste0("lonely.", rule, ".mean.api00"), coef(e), SE(e)) }
options(survey.lonely.psu = "fail")
# JSON writer (no jsonlite needed)
num <- function(v) if (length(v) == 1) { if (is.na(v)) "null" else sprintf("%.12g", v) } else paste0("[", paste(sapply(v, num), collapse = ", "), "]")
lines <- sapply(names(out), function(k) paste0('  "', k, '": {', paste(sprintf('"%s": %s', names(out[[k]]), sapply(out[[k]], num)), collapse = ", "), "}"))
cat("{\n", paste0('  "_meta": {"R": "', R.version.string, '", "survey": "', packageVersion("survey"), '"},\n'), paste(lines, collapse = ",\n"), "\n}\n", sep = "", file = "r-survey-extra.json")
cat("wrote", length(out), "entries\n")
