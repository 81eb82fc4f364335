# Golden values for analysis/intervals.py: a domain whose rows lie in one PSU of each of two strata
# has degf = 2 PSUs - 2 strata = 0, a positive SE, and no t interval (qt(0.975, 0) is NaN).
# Also the degf of a domain (R's degf of the subset design counts its rows' PSUs and strata).
# Needs: apt-get install -y r-cran-survey   (Debian bookworm: survey 4.1-1, R 4.2.2)
# Run from this folder: Rscript r-intervals.R   (writes r-intervals.json)
suppressMessages(library(survey))
data(api)
out <- list()
d <- data.frame(st = c(1, 1, 1, 1, 2, 2, 2, 2), psu = c("p", "p", "q", "q", "r", "r", "s", "s"),
                unit = c("U", "U", "V", "V", "U", "U", "V", "V"),
                y = c(1, 0.75, 1, 0.5, 0, 0.25, 1, 0.5), w = 1)
des <- svydesign(id = ~psu, strata = ~st, weights = ~w, data = d)
for (u in c("U", "V")) {
  s <- subset(des, unit == u); e <- svymean(~y, s); ci <- suppressWarnings(confint(e, df = degf(s)))
  out[[paste0("df0.mean.", u)]] <- list(est = unname(coef(e)), se = unname(SE(e)), df = degf(s),
                                       ci = unname(ci[1, ]))
}
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1)
out[["dclus1.degf"]] <- list(df = degf(dclus1))
out[["dclus1.stypeH.degf"]] <- list(df = degf(subset(dclus1, stype == "H")))
# SE of a unit's survey points summed over two criteria within a respondent group (the
# covariance of the criteria from the group's design): each stratum of the Likert fixture is a
# group; criteria 1.1 = (q1 - 1)/4 (max 2) and 1.2 = (q2 - 1)/4 (max 3), q2 missing in rows
# 3, 8, 14; units = sex; mean of the two groups' means, so each group's part is halved.
lk <- read.csv("likert_fixture.csv"); lk$q2[c(3, 8, 14)] <- NA
for (g in c("North", "South")) {
  dg <- lk[lk$stratum == g, ]
  for (u in c("F", "M")) {
    inu <- as.numeric(dg$sex == u)
    r1 <- inu; y1 <- inu * (dg$q1 - 1) / 4
    r2 <- inu * !is.na(dg$q2); y2 <- ifelse(is.na(dg$q2), 0, inu * (dg$q2 - 1) / 4)
    dd <- svydesign(id = ~psu, weights = ~wt, fpc = ~Npsu,
                    data = data.frame(dg, r1 = r1, y1 = y1, r2 = r2, y2 = y2))
    tot <- svytotal(~y1 + r1 + y2 + r2, dd)
    e <- svycontrast(tot, quote((2 * y1 / r1 + 3 * y2 / r2) / 2))
    out[[paste0("total.", g, ".", u)]] <- list(est = unname(coef(e)), se = unname(SE(e)))
  }
}
num <- function(v) if (length(v) == 1) { if (is.na(v)) "null" else sprintf("%.12g", v) } else paste0("[", paste(sapply(v, num), collapse = ", "), "]")
lines <- sapply(names(out), function(k) paste0('  "', k, '": {', paste(sprintf('"%s": %s', names(out[[k]]), sapply(out[[k]], num)), collapse = ", "), "}"))
cat("{\n", paste0('  "_meta": {"R": "', R.version.string, '", "survey": "', packageVersion("survey"), '"},\n'), paste(lines, collapse = ",\n"), "\n}\n", sep = "", file = "r-intervals.json")
cat("wrote", length(out), "entries\n")
