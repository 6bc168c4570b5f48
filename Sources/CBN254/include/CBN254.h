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

#endif
