// The BN254 tower arithmetic (see CBN254.h). Same algorithms as the Swift reference in the ZK
// module (Karatsuba in Fq2/Fq6/Fq12, Granger–Scott cyclotomic squaring), written over pointers so
// that no 384-byte Fq12 value is copied between the steps.
#include "CBN254.h"

typedef unsigned __int128 u128;

// p = 21888242871839275222246405745257275088696311157297823662689037894645226208583.
static const uint64_t P0 = 0x3c208c16d87cfd47ULL, P1 = 0x97816a916871ca8dULL,
                      P2 = 0xb85045b68181585dULL, P3 = 0x30644e72e131a029ULL;
// −p⁻¹ mod 2^64.
static const uint64_t P_INV = 0x87d20782e4866389ULL;

// ---- Fq ----------------------------------------------------------------------------------------

// r = a − p when a ≥ p, else a (a < 2p). Branch-free: on random values the branch would be
// mispredicted half the time.
static inline void fq_reduce_once(bn254_fq *r, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3) {
    u128 d;
    uint64_t b, d0, d1, d2, d3;
    d = (u128)a0 - P0;            d0 = (uint64_t)d; b = (uint64_t)(d >> 64) & 1;
    d = (u128)a1 - P1 - b;        d1 = (uint64_t)d; b = (uint64_t)(d >> 64) & 1;
    d = (u128)a2 - P2 - b;        d2 = (uint64_t)d; b = (uint64_t)(d >> 64) & 1;
    d = (u128)a3 - P3 - b;        d3 = (uint64_t)d; b = (uint64_t)(d >> 64) & 1;
    const uint64_t keep = 0 - b;  // all ones when a < p
    r->limbs[0] = (a0 & keep) | (d0 & ~keep);
    r->limbs[1] = (a1 & keep) | (d1 & ~keep);
    r->limbs[2] = (a2 & keep) | (d2 & ~keep);
    r->limbs[3] = (a3 & keep) | (d3 & ~keep);
}

// One CIOS row: t = (t + a·bi + k·p) / 2^64, k clearing the low limb. p < 2^254 leaves the top
// limb's high bits clear, so the row needs no fifth word (the "no-carry" CIOS).
#define CIOS_ROW(bi)                                                              \
    do {                                                                          \
        u128 x; uint64_t cA, cK, k;                                               \
        x = (u128)a0 * (bi) + t0;        t0 = (uint64_t)x; cA = (uint64_t)(x >> 64); \
        k = t0 * P_INV;                                                           \
        x = (u128)k * P0 + t0;           cK = (uint64_t)(x >> 64);                 \
        x = (u128)a1 * (bi) + t1 + cA;   t1 = (uint64_t)x; cA = (uint64_t)(x >> 64); \
        x = (u128)k * P1 + t1 + cK;      t0 = (uint64_t)x; cK = (uint64_t)(x >> 64); \
        x = (u128)a2 * (bi) + t2 + cA;   t2 = (uint64_t)x; cA = (uint64_t)(x >> 64); \
        x = (u128)k * P2 + t2 + cK;      t1 = (uint64_t)x; cK = (uint64_t)(x >> 64); \
        x = (u128)a3 * (bi) + t3 + cA;   t3 = (uint64_t)x; cA = (uint64_t)(x >> 64); \
        x = (u128)k * P3 + t3 + cK;      t2 = (uint64_t)x; cK = (uint64_t)(x >> 64); \
        t3 = cA + cK;                                                             \
    } while (0)

static inline void fq_mul(bn254_fq *r, const bn254_fq *a, const bn254_fq *b) {
    const uint64_t a0 = a->limbs[0], a1 = a->limbs[1], a2 = a->limbs[2], a3 = a->limbs[3];
    const uint64_t b0 = b->limbs[0], b1 = b->limbs[1], b2 = b->limbs[2], b3 = b->limbs[3];
    uint64_t t0 = 0, t1 = 0, t2 = 0, t3 = 0;
    CIOS_ROW(b0);
    CIOS_ROW(b1);
    CIOS_ROW(b2);
    CIOS_ROW(b3);
    fq_reduce_once(r, t0, t1, t2, t3);
}

// Both operands < p < 2^254: the sum fits 256 bits; one trial subtraction.
static inline void fq_add(bn254_fq *r, const bn254_fq *a, const bn254_fq *b) {
    u128 s; uint64_t c, s0, s1, s2, s3;
    s = (u128)a->limbs[0] + b->limbs[0];     s0 = (uint64_t)s; c = (uint64_t)(s >> 64);
    s = (u128)a->limbs[1] + b->limbs[1] + c; s1 = (uint64_t)s; c = (uint64_t)(s >> 64);
    s = (u128)a->limbs[2] + b->limbs[2] + c; s2 = (uint64_t)s; c = (uint64_t)(s >> 64);
    s3 = a->limbs[3] + b->limbs[3] + c;
    fq_reduce_once(r, s0, s1, s2, s3);
}

static inline void fq_sub(bn254_fq *r, const bn254_fq *a, const bn254_fq *b) {
    u128 d; uint64_t br, d0, d1, d2, d3;
    d = (u128)a->limbs[0] - b->limbs[0];      d0 = (uint64_t)d; br = (uint64_t)(d >> 64) & 1;
    d = (u128)a->limbs[1] - b->limbs[1] - br; d1 = (uint64_t)d; br = (uint64_t)(d >> 64) & 1;
    d = (u128)a->limbs[2] - b->limbs[2] - br; d2 = (uint64_t)d; br = (uint64_t)(d >> 64) & 1;
    d = (u128)a->limbs[3] - b->limbs[3] - br; d3 = (uint64_t)d; br = (uint64_t)(d >> 64) & 1;
    const uint64_t mask = 0 - br;  // add p back when the difference went negative (branch-free)
    u128 s; uint64_t c;
    s = (u128)d0 + (P0 & mask);     d0 = (uint64_t)s; c = (uint64_t)(s >> 64);
    s = (u128)d1 + (P1 & mask) + c; d1 = (uint64_t)s; c = (uint64_t)(s >> 64);
    s = (u128)d2 + (P2 & mask) + c; d2 = (uint64_t)s; c = (uint64_t)(s >> 64);
    d3 = d3 + (P3 & mask) + c;
    r->limbs[0] = d0; r->limbs[1] = d1; r->limbs[2] = d2; r->limbs[3] = d3;
}

static inline void fq_double(bn254_fq *r, const bn254_fq *a) { fq_add(r, a, a); }

void bn254_fq_mul(bn254_fq *r, const bn254_fq *a, const bn254_fq *b) { fq_mul(r, a, b); }

// ---- Fq2 = Fq[u]/(u² + 1) ----------------------------------------------------------------------

static inline void fq2_add(bn254_fq2 *r, const bn254_fq2 *a, const bn254_fq2 *b) {
    fq_add(&r->c0, &a->c0, &b->c0);
    fq_add(&r->c1, &a->c1, &b->c1);
}

static inline void fq2_sub(bn254_fq2 *r, const bn254_fq2 *a, const bn254_fq2 *b) {
    fq_sub(&r->c0, &a->c0, &b->c0);
    fq_sub(&r->c1, &a->c1, &b->c1);
}

static inline void fq2_double(bn254_fq2 *r, const bn254_fq2 *a) { fq2_add(r, a, a); }

// Karatsuba: three Fq multiplications.
static inline void fq2_mul(bn254_fq2 *r, const bn254_fq2 *a, const bn254_fq2 *b) {
    bn254_fq v0, v1, sa, sb, m;
    fq_mul(&v0, &a->c0, &b->c0);
    fq_mul(&v1, &a->c1, &b->c1);
    fq_add(&sa, &a->c0, &a->c1);
    fq_add(&sb, &b->c0, &b->c1);
    fq_mul(&m, &sa, &sb);
    fq_sub(&r->c0, &v0, &v1);
    fq_sub(&m, &m, &v0);
    fq_sub(&r->c1, &m, &v1);
}

// (a0 + a1u)² = (a0 + a1)(a0 − a1) + 2a0a1·u.
static inline void fq2_square(bn254_fq2 *r, const bn254_fq2 *a) {
    bn254_fq t, s, d;
    fq_mul(&t, &a->c0, &a->c1);
    fq_add(&s, &a->c0, &a->c1);
    fq_sub(&d, &a->c0, &a->c1);
    fq_mul(&r->c0, &s, &d);
    fq_double(&r->c1, &t);
}

// Multiplication by ξ = 9 + u: (9a0 − a1) + (a0 + 9a1)u.
static inline void fq2_mul_by_xi(bn254_fq2 *r, const bn254_fq2 *a) {
    bn254_fq e0, e1, n0, n1;
    fq_double(&e0, &a->c0); fq_double(&e0, &e0); fq_double(&e0, &e0);
    fq_double(&e1, &a->c1); fq_double(&e1, &e1); fq_double(&e1, &e1);
    fq_add(&e0, &e0, &a->c0);
    fq_add(&e1, &e1, &a->c1);
    fq_sub(&n0, &e0, &a->c1);
    fq_add(&n1, &e1, &a->c0);
    r->c0 = n0;
    r->c1 = n1;
}

static inline void fq2_neg(bn254_fq2 *r, const bn254_fq2 *a) {
    static const bn254_fq2 zero;
    fq2_sub(r, &zero, a);
}

static inline void fq2_scale(bn254_fq2 *r, const bn254_fq2 *a, const bn254_fq *k) {
    fq_mul(&r->c0, &a->c0, k);
    fq_mul(&r->c1, &a->c1, k);
}

void bn254_fq2_mul(bn254_fq2 *r, const bn254_fq2 *a, const bn254_fq2 *b) { fq2_mul(r, a, b); }
void bn254_fq2_square(bn254_fq2 *r, const bn254_fq2 *a) { fq2_square(r, a); }

// ---- Fq6 = Fq2[v]/(v³ − ξ) ---------------------------------------------------------------------

static inline void fq6_add(bn254_fq6 *r, const bn254_fq6 *a, const bn254_fq6 *b) {
    fq2_add(&r->c0, &a->c0, &b->c0);
    fq2_add(&r->c1, &a->c1, &b->c1);
    fq2_add(&r->c2, &a->c2, &b->c2);
}

static inline void fq6_sub(bn254_fq6 *r, const bn254_fq6 *a, const bn254_fq6 *b) {
    fq2_sub(&r->c0, &a->c0, &b->c0);
    fq2_sub(&r->c1, &a->c1, &b->c1);
    fq2_sub(&r->c2, &a->c2, &b->c2);
}

// (c0, c1, c2)·v = (ξc2, c0, c1).
static inline void fq6_mul_by_v(bn254_fq6 *r, const bn254_fq6 *a) {
    bn254_fq2 x;
    fq2_mul_by_xi(&x, &a->c2);
    r->c2 = a->c1;
    r->c1 = a->c0;
    r->c0 = x;
}

// Karatsuba-style: six Fq2 multiplications.
static inline void fq6_mul(bn254_fq6 *r, const bn254_fq6 *a, const bn254_fq6 *b) {
    bn254_fq2 t0, t1, t2, sa, sb, m, c0, c1, c2;
    fq2_mul(&t0, &a->c0, &b->c0);
    fq2_mul(&t1, &a->c1, &b->c1);
    fq2_mul(&t2, &a->c2, &b->c2);
    // c0 = t0 + ξ((a1 + a2)(b1 + b2) − t1 − t2)
    fq2_add(&sa, &a->c1, &a->c2); fq2_add(&sb, &b->c1, &b->c2); fq2_mul(&m, &sa, &sb);
    fq2_sub(&m, &m, &t1); fq2_sub(&m, &m, &t2); fq2_mul_by_xi(&m, &m); fq2_add(&c0, &t0, &m);
    // c1 = (a0 + a1)(b0 + b1) − t0 − t1 + ξt2
    fq2_add(&sa, &a->c0, &a->c1); fq2_add(&sb, &b->c0, &b->c1); fq2_mul(&m, &sa, &sb);
    fq2_sub(&m, &m, &t0); fq2_sub(&m, &m, &t1); fq2_mul_by_xi(&c1, &t2); fq2_add(&c1, &c1, &m);
    // c2 = (a0 + a2)(b0 + b2) − t0 − t2 + t1
    fq2_add(&sa, &a->c0, &a->c2); fq2_add(&sb, &b->c0, &b->c2); fq2_mul(&m, &sa, &sb);
    fq2_sub(&m, &m, &t0); fq2_sub(&m, &m, &t2); fq2_add(&c2, &m, &t1);
    r->c0 = c0; r->c1 = c1; r->c2 = c2;
}

// Multiplication by the sparse b0 + b1·v, Karatsuba-style (five Fq2 products):
// c0 = a0b0 + ξ((a1 + a2)b1 − a1b1), c1 = (a0 + a1)(b0 + b1) − a0b0 − a1b1,
// c2 = (a0 + a2)b0 − a0b0 + a1b1.
static inline void fq6_mul_by_01(bn254_fq6 *r, const bn254_fq6 *a, const bn254_fq2 *b0, const bn254_fq2 *b1) {
    bn254_fq2 t0, t1, s, u, c0, c1, c2;
    fq2_mul(&t0, &a->c0, b0);
    fq2_mul(&t1, &a->c1, b1);
    fq2_add(&s, &a->c1, &a->c2); fq2_mul(&s, &s, b1); fq2_sub(&s, &s, &t1); fq2_mul_by_xi(&s, &s);
    fq2_add(&c0, &s, &t0);
    fq2_add(&s, &a->c0, &a->c1); fq2_add(&u, b0, b1); fq2_mul(&s, &s, &u);
    fq2_sub(&s, &s, &t0); fq2_sub(&c1, &s, &t1);
    fq2_add(&s, &a->c0, &a->c2); fq2_mul(&s, &s, b0); fq2_sub(&s, &s, &t0); fq2_add(&c2, &s, &t1);
    r->c0 = c0; r->c1 = c1; r->c2 = c2;
}

void bn254_fq6_mul(bn254_fq6 *r, const bn254_fq6 *a, const bn254_fq6 *b) { fq6_mul(r, a, b); }

// ---- Fq12 = Fq6[w]/(w² − v) --------------------------------------------------------------------

// Karatsuba: three Fq6 multiplications.
void bn254_fq12_mul(bn254_fq12 *r, const bn254_fq12 *a, const bn254_fq12 *b) {
    bn254_fq6 t0, t1, sa, sb, m, vt1;
    fq6_mul(&t0, &a->c0, &b->c0);
    fq6_mul(&t1, &a->c1, &b->c1);
    fq6_add(&sa, &a->c0, &a->c1);
    fq6_add(&sb, &b->c0, &b->c1);
    fq6_mul(&m, &sa, &sb);
    fq6_sub(&m, &m, &t0);
    fq6_sub(&r->c1, &m, &t1);
    fq6_mul_by_v(&vt1, &t1);
    fq6_add(&r->c0, &t0, &vt1);
}

// (a0 + a1w)² = (a0 + a1)(a0 + va1) − t − vt + 2t·w with t = a0a1.
void bn254_fq12_square(bn254_fq12 *r, const bn254_fq12 *a) {
    bn254_fq6 t, vt, s, sv, m;
    fq6_mul(&t, &a->c0, &a->c1);
    fq6_add(&s, &a->c0, &a->c1);
    fq6_mul_by_v(&sv, &a->c1);
    fq6_add(&sv, &sv, &a->c0);
    fq6_mul(&m, &s, &sv);
    fq6_mul_by_v(&vt, &t);
    fq6_sub(&m, &m, &t);
    fq6_sub(&r->c0, &m, &vt);
    fq6_add(&r->c1, &t, &t);
}

// (x + y·s)² = (x² + ξy²) + 2xy·s in Fq4 = Fq2[s]/(s² − ξ).
static inline void fq4_square(bn254_fq2 *r0, bn254_fq2 *r1, const bn254_fq2 *x, const bn254_fq2 *y) {
    bn254_fq2 t0, t1, s;
    fq2_square(&t0, x);
    fq2_square(&t1, y);
    fq2_add(&s, x, y);
    fq2_square(&s, &s);
    fq2_sub(&s, &s, &t0);
    fq2_sub(r1, &s, &t1);
    fq2_mul_by_xi(&t1, &t1);
    fq2_add(r0, &t0, &t1);
}

// 3z + 2·sign·c for the cyclotomic squaring's outputs: (z ∓ c)·2 + z.
static inline void three_z_minus_two_c(bn254_fq2 *r, const bn254_fq2 *z, const bn254_fq2 *c) {
    bn254_fq2 t;
    fq2_sub(&t, z, c); fq2_double(&t, &t); fq2_add(r, &t, z);
}
static inline void three_z_plus_two_c(bn254_fq2 *r, const bn254_fq2 *z, const bn254_fq2 *c) {
    bn254_fq2 t;
    fq2_add(&t, z, c); fq2_double(&t, &t); fq2_add(r, &t, z);
}

// Granger–Scott, as the Swift reference `Fq12.cyclotomicSquared` (which documents the algebra).
void bn254_fq12_cyclotomic_square(bn254_fq12 *r, const bn254_fq12 *a) {
    bn254_fq2 t0, t1, v0, v1, u0, u1, xu1, ax, ay, bx, by, cx, cy;
    fq4_square(&t0, &t1, &a->c0.c0, &a->c1.c1);
    fq4_square(&v0, &v1, &a->c1.c0, &a->c0.c2);
    fq4_square(&u0, &u1, &a->c0.c1, &a->c1.c2);
    three_z_minus_two_c(&ax, &t0, &a->c0.c0);
    three_z_plus_two_c(&ay, &t1, &a->c1.c1);
    fq2_mul_by_xi(&xu1, &u1);
    three_z_plus_two_c(&bx, &xu1, &a->c1.c0);
    three_z_minus_two_c(&by, &u0, &a->c0.c2);
    three_z_minus_two_c(&cx, &v0, &a->c0.c1);
    three_z_plus_two_c(&cy, &v1, &a->c1.c2);
    r->c0.c0 = ax; r->c0.c1 = cx; r->c0.c2 = by;
    r->c1.c0 = bx; r->c1.c1 = ay; r->c1.c2 = cy;
}

// (f0 + f1w)(1 + Lw) = (f0 + v·f1L) + (f1 + f0L)w with L = b0 + b1·v.
void bn254_fq12_mul_by_line(bn254_fq12 *f, const bn254_fq2 *b0, const bn254_fq2 *b1) {
    bn254_fq6 x, y;
    fq6_mul_by_01(&x, &f->c1, b0, b1);
    fq6_mul_by_01(&y, &f->c0, b0, b1);
    fq6_mul_by_v(&x, &x);
    fq6_add(&f->c0, &f->c0, &x);
    fq6_add(&f->c1, &f->c1, &y);
}

// f·(a + Lw) with L = b + c·v: t0 = a·f0, t1 = f1·L, and (f0 + f1)(a + L) − t0 − t1 = f0L + af1
// (a + L = (a + b) + c·v is sparse too): (t0 + v·t1) + (f0L + af1)w, 13 Fq2 products.
void bn254_fq12_mul_by_sparse(bn254_fq12 *f, const bn254_fq2 *a, const bn254_fq2 *b, const bn254_fq2 *c) {
    bn254_fq6 t0, t1, s;
    bn254_fq2 ab;
    fq2_mul(&t0.c0, &f->c0.c0, a);
    fq2_mul(&t0.c1, &f->c0.c1, a);
    fq2_mul(&t0.c2, &f->c0.c2, a);
    fq6_mul_by_01(&t1, &f->c1, b, c);
    fq6_add(&s, &f->c0, &f->c1);
    fq2_add(&ab, a, b);
    fq6_mul_by_01(&s, &s, &ab, c);
    fq6_sub(&s, &s, &t0);
    fq6_sub(&f->c1, &s, &t1);
    fq6_mul_by_v(&t1, &t1);
    fq6_add(&f->c0, &t0, &t1);
}

// ---- G2 Miller-loop steps (homogeneous projective T = (X, Y, Z)) --------------------------------
// The derivations are in the Swift caller, `G2Prepared.swift`.

void bn254_g2_tangent_step(bn254_fq2 t[3], bn254_fq2 line[3], const bn254_fq2 *twist_b, const bn254_fq *half) {
    bn254_fq2 xy, y2, z2, e, f, g, h, x2, e2, tmp;
    fq2_mul(&xy, &t[0], &t[1]); fq2_scale(&xy, &xy, half);          // XY/2
    fq2_square(&y2, &t[1]);
    fq2_square(&z2, &t[2]);
    fq2_double(&e, &z2); fq2_add(&e, &e, &z2); fq2_mul(&e, &e, twist_b);  // 3b'Z²
    fq2_double(&f, &e); fq2_add(&f, &f, &e);                          // 9b'Z²
    fq2_add(&g, &y2, &f); fq2_scale(&g, &g, half);
    fq2_add(&h, &t[1], &t[2]); fq2_square(&h, &h); fq2_sub(&h, &h, &y2); fq2_sub(&h, &h, &z2);  // 2YZ
    fq2_square(&x2, &t[0]);
    fq2_square(&e2, &e);
    line[0] = h;
    fq2_double(&tmp, &x2); fq2_add(&tmp, &tmp, &x2); fq2_neg(&line[1], &tmp);
    fq2_sub(&line[2], &y2, &e);
    fq2_sub(&tmp, &y2, &f); fq2_mul(&t[0], &xy, &tmp);
    fq2_double(&tmp, &e2); fq2_add(&tmp, &tmp, &e2); fq2_square(&g, &g); fq2_sub(&t[1], &g, &tmp);
    fq2_mul(&t[2], &y2, &h);
}

void bn254_g2_chord_step(bn254_fq2 t[3], bn254_fq2 line[3], const bn254_fq2 *sx, const bn254_fq2 *sy) {
    bn254_fq2 theta, lambda, c, d, e, f, g, h, tmp;  // names as in the Swift derivation
    fq2_mul(&tmp, sy, &t[2]); fq2_sub(&theta, &t[1], &tmp);
    fq2_mul(&tmp, sx, &t[2]); fq2_sub(&lambda, &t[0], &tmp);
    fq2_square(&c, &theta);
    fq2_square(&d, &lambda);
    fq2_mul(&e, &lambda, &d);
    fq2_mul(&f, &t[2], &c);
    fq2_mul(&g, &t[0], &d);
    fq2_add(&h, &e, &f); fq2_double(&tmp, &g); fq2_sub(&h, &h, &tmp);
    line[0] = lambda;
    fq2_neg(&line[1], &theta);
    fq2_mul(&tmp, &theta, sx); fq2_mul(&line[2], &lambda, sy); fq2_sub(&line[2], &tmp, &line[2]);
    fq2_mul(&t[0], &lambda, &h);
    fq2_mul(&t[2], &t[2], &e);
    fq2_sub(&tmp, &g, &h); fq2_mul(&tmp, &theta, &tmp); fq2_mul(&e, &e, &t[1]); fq2_sub(&t[1], &tmp, &e);
}

// ---- Lines evaluated at a G1 point --------------------------------------------------------------

void bn254_fq12_mul_by_projective_line(bn254_fq12 *f, const bn254_fq2 line[3], const bn254_fq *xp, const bn254_fq *yp) {
    bn254_fq2 a, b;
    fq2_scale(&a, &line[0], yp);
    fq2_scale(&b, &line[1], xp);
    bn254_fq12_mul_by_sparse(f, &a, &b, &line[2]);
}

void bn254_fq12_mul_by_normalized_line(bn254_fq12 *f, const bn254_fq2 line[3], const bn254_fq *xs, const bn254_fq *ys) {
    bn254_fq2 b, c;
    fq2_scale(&b, &line[1], xs);
    fq2_scale(&c, &line[2], ys);
    bn254_fq12_mul_by_line(f, &b, &c);
}
