import i18n from 'i18next';
import LanguageDetector from 'i18next-browser-languagedetector';
import { initReactI18next } from 'react-i18next';
import { locales, type Locale } from '@mailroom/contracts';
import en from './en.json';
import fr from './fr.json';

/** Where the language chosen before sign-in is kept (after sign-in, the account remembers it). */
export const LOCALE_STORAGE_KEY = 'mailroom.locale';

void i18n
  .use(LanguageDetector)
  .use(initReactI18next)
  .init({
    resources: { en: { translation: en }, fr: { translation: fr } },
    supportedLngs: [...locales],
    nonExplicitSupportedLngs: true,
    load: 'languageOnly',
    fallbackLng: 'en',
    interpolation: { escapeValue: false },
    detection: {
      order: ['localStorage', 'navigator'],
      lookupLocalStorage: LOCALE_STORAGE_KEY,
      caches: ['localStorage'],
    },
    returnNull: false,
  });

function syncDocumentLang(lng: string) {
  // Tests import this module (through the API client) in Node, where there is no document.
  if (typeof document !== 'undefined') document.documentElement.lang = currentLocale(lng);
}
syncDocumentLang(i18n.language);
i18n.on('languageChanged', syncDocumentLang);

export function currentLocale(lng: string = i18n.resolvedLanguage ?? i18n.language): Locale {
  const base = (lng || 'en').slice(0, 2);
  return (locales as readonly string[]).includes(base) ? (base as Locale) : 'en';
}

export default i18n;
