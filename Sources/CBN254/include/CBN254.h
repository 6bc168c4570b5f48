// The BN254 extension-field tower (Fq2, Fq6, Fq12) in C: the pairing's hot loops.
//
// Elements are Montgomery forms of the base field Fq (four little-endian 64-bit limbs, value·2^256
// mod p), laid out exactly as the Swift types of the ZK module (Fq, Fq2 = c0 + c1·u, Fq6 = c0 +
// c1·v + c2·v², Fq12 = c0 + c1·w), so Swift passes its values by pointer without conversion.
// Inputs must be reduced (below p); outputs are reduced. Outputs may alias inputs.
// Variable time: for public values (verification, proving), never for secrets.
#ifndef CBN254_H
#define CBN254_H

#include <stdint.h>

typedef struct { uint64_t limbs[4]; } bn254_fq;
typedef struct { bn254_fq c0, c1; } bn254_fq2;
typedef struct { bn254_fq2 c0, c1, c2; } bn254_fq6;
typedef struct { bn254_fq6 c0, c1; } bn254_fq12;

void bn254_fq_mul(bn254_fq *r, const bn254_fq *a, const bn254_fq *b);

void bn254_fq2_mul(bn254_fq2 *r, const bn254_fq2 *a, const bn254_fq2 *b);
void bn254_fq2_square(bn254_fq2 *r, const bn254_fq2 *a);

void bn254_fq6_mul(bn254_fq6 *r, const bn254_fq6 *a, const bn254_fq6 *b);

void bn254_fq12_mul(bn254_fq12 *r, const bn254_fq12 *a, const bn254_fq12 *b);
void bn254_fq12_square(bn254_fq12 *r, const bn254_fq12 *a);
/// The square of an element of the cyclotomic subgroup (Granger–Scott); wrong for other elements.
void bn254_fq12_cyclotomic_square(bn254_fq12 *r, const bn254_fq12 *a);
/// f ← f · (1 + (b0 + b1·v)·w), the shape of a Miller-loop line divided by yP.
void bn254_fq12_mul_by_line(bn254_fq12 *f, const bn254_fq2 *b0, const bn254_fq2 *b1);
/// f ← f · (a + (b + c·v)·w), the shape of a projective Miller-loop line.
void bn254_fq12_mul_by_sparse(bn254_fq12 *f, const bn254_fq2 *a, const bn254_fq2 *b, const bn254_fq2 *c);

/// The tangent at T = (X, Y, Z) (homogeneous projective, on y² = x³ + b') as line coefficients
/// (a, b, c), then T ← 2T. `half` is 1/2 in Fq.
void bn254_g2_tangent_step(bn254_fq2 t[3], bn254_fq2 line[3], const bn254_fq2 *twist_b, const bn254_fq *half);
/// The chord through T and the affine S = (sx, sy) as line coefficients (a, b, c), then T ← T + S.
void bn254_g2_chord_step(bn254_fq2 t[3], bn254_fq2 line[3], const bn254_fq2 *sx, const bn254_fq2 *sy);

/// f ← f · (a·yP + (b·xP + c·v)·w) for the line (a, b, c).
void bn254_fq12_mul_by_projective_line(bn254_fq12 *f, const bn254_fq2 line[3], const bn254_fq *xp, const bn254_fq *yp);
/// f ← f · (1 + (b·xs + c·ys·v)·w) for a normalized line (1, b, c), xs = xP/yP and ys = 1/yP.
void bn254_fq12_mul_by_normalized_line(bn254_fq12 *f, const bn254_fq2 line[3], const bn254_fq *xs, const bn254_fq *ys);

#endif
