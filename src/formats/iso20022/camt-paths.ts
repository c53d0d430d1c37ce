/**
 * Where each field of the canonical statement model sits in camt.053 (BankToCustomerStatement)
 * and camt.054 (BankToCustomerDebitCreditNotification), versions 001.02 to 001.08: one path table
 * per version, as data. Adding a version is adding a table; the model the rest of the code sees
 * does not change. Paths are local names below the report (Stmt / Ntfctn), the entry (Ntry) or
 * the transaction details (TxDtls); where a field moved between versions, the table lists every
 * place it may be, first match wins.
 *
 * What changed across 02..08 for the fields read here: 08 made the entry status a choice
 * (`Sts/Cd`, `Sts/Prtry`) where 02-07 had `<Sts>BOOK</Sts>`; 08 put a related party's name under
 * `Pty` (`Cdtr/Pty/Nm`); from 03 on a transaction may carry its own `Amt` beside `AmtDtls`, and the
 * net total became `TtlNetNtry/Amt` where 02 had `TtlNetNtryAmt`.
 */

export interface CamtPaths {
  /** report element below the message root */
  report: { '053': string; '054': string };
  messageId: string[];
  messageCreatedAt: string[];
  statementId: string[];
  electronicSequence: string[];
  createdAt: string[];
  accountIban: string[];
  accountOther: string[];
  accountCurrency: string[];
  balance: string;
  balanceType: string[];
  balanceDate: string[];
  totalEntries: string[];
  totalSum: string[];
  totalNet: string[];
  totalNetIndicator: string[];
  creditEntries: string[];
  creditSum: string[];
  debitEntries: string[];
  debitSum: string[];
  entry: string;
  entryReference: string[];
  entryStatus: string[];
  reversal: string[];
  bookingDate: string[];
  valueDate: string[];
  entryServicerReference: string[];
  transaction: string;
  endToEndId: string[];
  instructionId: string[];
  transactionServicerReference: string[];
  transactionAmount: string[];
  transactionIndicator: string[];
  creditorName: string[];
  creditorIban: string[];
  creditorOther: string[];
  debtorName: string[];
  debtorIban: string[];
  debtorOther: string[];
  returnReason: string[];
  remittance: string;
}

const V02: CamtPaths = {
  report: { '053': 'BkToCstmrStmt/Stmt', '054': 'BkToCstmrDbtCdtNtfctn/Ntfctn' },
  messageId: ['GrpHdr/MsgId'],
  messageCreatedAt: ['GrpHdr/CreDtTm'],
  statementId: ['Id'],
  electronicSequence: ['ElctrncSeqNb'],
  createdAt: ['CreDtTm'],
  accountIban: ['Acct/Id/IBAN'],
  accountOther: ['Acct/Id/Othr/Id'],
  accountCurrency: ['Acct/Ccy'],
  balance: 'Bal',
  balanceType: ['Tp/CdOrPrtry/Cd', 'Tp/CdOrPrtry/Prtry'],
  balanceDate: ['Dt/Dt', 'Dt/DtTm'],
  totalEntries: ['TxsSummry/TtlNtries/NbOfNtries'],
  totalSum: ['TxsSummry/TtlNtries/Sum'],
  totalNet: ['TxsSummry/TtlNtries/TtlNetNtryAmt', 'TxsSummry/TtlNtries/TtlNetNtry/Amt'],
  totalNetIndicator: ['TxsSummry/TtlNtries/CdtDbtInd', 'TxsSummry/TtlNtries/TtlNetNtry/CdtDbtInd'],
  creditEntries: ['TxsSummry/TtlCdtNtries/NbOfNtries'],
  creditSum: ['TxsSummry/TtlCdtNtries/Sum'],
  debitEntries: ['TxsSummry/TtlDbtNtries/NbOfNtries'],
  debitSum: ['TxsSummry/TtlDbtNtries/Sum'],
  entry: 'Ntry',
  entryReference: ['NtryRef'],
  entryStatus: ['Sts'],
  reversal: ['RvslInd'],
  bookingDate: ['BookgDt/Dt', 'BookgDt/DtTm'],
  valueDate: ['ValDt/Dt', 'ValDt/DtTm'],
  entryServicerReference: ['AcctSvcrRef'],
  transaction: 'NtryDtls/TxDtls',
  endToEndId: ['Refs/EndToEndId'],
  instructionId: ['Refs/InstrId'],
  transactionServicerReference: ['Refs/AcctSvcrRef'],
  transactionAmount: ['AmtDtls/TxAmt/Amt'],
  transactionIndicator: [],
  creditorName: ['RltdPties/Cdtr/Nm'],
  creditorIban: ['RltdPties/CdtrAcct/Id/IBAN'],
  creditorOther: ['RltdPties/CdtrAcct/Id/Othr/Id'],
  debtorName: ['RltdPties/Dbtr/Nm'],
  debtorIban: ['RltdPties/DbtrAcct/Id/IBAN'],
  debtorOther: ['RltdPties/DbtrAcct/Id/Othr/Id'],
  returnReason: ['RtrInf/Rsn/Cd', 'RtrInf/Rsn/Prtry'],
  remittance: 'RmtInf/Ustrd',
};

// 03 to 07: a transaction may state its own amount and direction
const V03: CamtPaths = {
  ...V02,
  totalNet: ['TxsSummry/TtlNtries/TtlNetNtry/Amt', 'TxsSummry/TtlNtries/TtlNetNtryAmt'],
  totalNetIndicator: ['TxsSummry/TtlNtries/TtlNetNtry/CdtDbtInd', 'TxsSummry/TtlNtries/CdtDbtInd'],
  transactionAmount: ['Amt', 'AmtDtls/TxAmt/Amt'],
  transactionIndicator: ['CdtDbtInd'],
};

const V08: CamtPaths = {
  ...V03,
  entryStatus: ['Sts/Cd', 'Sts/Prtry'],
  creditorName: ['RltdPties/Cdtr/Pty/Nm', 'RltdPties/Cdtr/Nm'],
  debtorName: ['RltdPties/Dbtr/Pty/Nm', 'RltdPties/Dbtr/Nm'],
};

export const CAMT_PATHS: Readonly<Record<string, CamtPaths>> = Object.freeze({
  '02': V02,
  '03': V03,
  '04': V03,
  '05': V03,
  '06': V03,
  '07': V03,
  '08': V08,
});
